locals {
  a = local.b
  b = local.a
}

resource "azurerm_virtual_network" "v" {
  name                = local.a
  location            = "eastus2"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}
