resource "azurerm_virtual_network" "v" {
  name                = var.name
  location            = "eastus2"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}
