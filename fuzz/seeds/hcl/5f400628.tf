terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

provider "azurerm" {
  features {}
}

data "azurerm_client_config" "current" {}

locals {
  prefix       = "${var.project}-${var.environment}"
  storage_name = lower(replace("${local.prefix}uc", "-", ""))
  tags         = merge(var.tags, { environment = var.environment, owner = data.azurerm_client_config.current.object_id })
  # Storage sub-resources reached over private endpoints, and their DNS zones.
  private_storage = toset(["blob", "dfs"])
}

resource "azurerm_resource_group" "this" {
  name     = "${local.prefix}-rg"
  location = var.location
  tags     = local.tags
}

module "network" {
  source = "../../modules/network"

  prefix              = local.prefix
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = var.address_space
  subnets = {
    host      = { newbits = 2, netnum = 0 }
    container = { newbits = 2, netnum = 1 }
    endpoints = { newbits = 4, netnum = 8, delegated = false }
  }
  deny_internet_outbound = var.deny_internet_outbound
  allow_monitoring       = var.allow_monitoring
  monitoring_ports       = ["9100", "9256"]
  tags                   = local.tags
}

module "workspace" {
  source = "../../modules/workspace"

  name                         = "${local.prefix}-adb"
  location                     = azurerm_resource_group.this.location
  resource_group_name          = azurerm_resource_group.this.name
  vnet_id                      = module.network.vnet_id
  host_subnet_name             = module.network.subnet_names["host"]
  container_subnet_name        = module.network.subnet_names["container"]
  host_nsg_association_id      = module.network.host_nsg_association_id
  container_nsg_association_id = module.network.container_nsg_association_id
  tags                         = local.tags
}

resource "azurerm_storage_account" "uc" {
  name                          = local.storage_name
  resource_group_name           = azurerm_resource_group.this.name
  location                      = azurerm_resource_group.this.location
  account_tier                  = "Standard"
  account_replication_type      = "ZRS"
  is_hns_enabled                = true
  public_network_access_enabled = false
  tags                          = local.tags
}

resource "azurerm_private_dns_zone" "storage" {
  for_each            = local.private_storage
  name                = "privatelink.${each.key}.core.windows.net"
  resource_group_name = azurerm_resource_group.this.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "storage" {
  for_each              = azurerm_private_dns_zone.storage
  name                  = "${local.prefix}-${each.key}-link"
  resource_group_name   = azurerm_resource_group.this.name
  private_dns_zone_name = each.value.name
  virtual_network_id    = module.network.vnet_id
}

resource "azurerm_private_endpoint" "storage" {
  for_each            = local.private_storage
  name                = "${local.prefix}-pe-${each.key}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  subnet_id           = module.network.endpoints_subnet_id

  private_service_connection {
    name                           = "${local.prefix}-psc-${each.key}"
    private_connection_resource_id = azurerm_storage_account.uc.id
    subresource_names              = [each.key]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.storage[each.key].id]
  }
}

output "workspace_url" {
  value = module.workspace.workspace_url
}
