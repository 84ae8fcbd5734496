variable "name" {
  type = string
}
variable "location" {
  type = string
}
variable "resource_group_name" {
  type = string
}
variable "vnet_id" {
  type = string
}
variable "host_subnet_name" {
  type = string
}
variable "container_subnet_name" {
  type = string
}
variable "host_nsg_association_id" {
  type = string
}
variable "container_nsg_association_id" {
  type = string
}
variable "tags" {
  type    = map(string)
  default = {}
}

resource "azurerm_databricks_workspace" "this" {
  name                                  = var.name
  location                              = var.location
  resource_group_name                   = var.resource_group_name
  sku                                   = "premium"
  managed_resource_group_name           = "${var.name}-managed-rg"
  public_network_access_enabled         = true
  network_security_group_rules_required = "AllRules"
  tags                                  = var.tags

  custom_parameters {
    no_public_ip                                         = true
    virtual_network_id                                   = var.vnet_id
    public_subnet_name                                   = var.host_subnet_name
    private_subnet_name                                  = var.container_subnet_name
    public_subnet_network_security_group_association_id  = var.host_nsg_association_id
    private_subnet_network_security_group_association_id = var.container_nsg_association_id
  }
}

output "workspace_url" {
  value = azurerm_databricks_workspace.this.workspace_url
}
