resource "azurerm_virtual_network" "v" {
  name          = "v"
  address_space = [
