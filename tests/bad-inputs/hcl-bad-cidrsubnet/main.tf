resource "azurerm_virtual_network" "v" {
  name                = "v"
  location            = "eastus2"
  resource_group_name = "rg"
  address_space       = [cidrsubnet("10.0.0.0/16", 20, 0)]
}
