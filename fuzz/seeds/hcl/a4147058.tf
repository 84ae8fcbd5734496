output "vnet_id" {
  value = azurerm_virtual_network.this.id
}

output "subnet_names" {
  value = { for k, s in azurerm_subnet.this : k => s.name }
}

output "endpoints_subnet_id" {
  value = azurerm_subnet.this["endpoints"].id
}

output "host_nsg_association_id" {
  value = azurerm_subnet_network_security_group_association.this["host"].id
}

output "container_nsg_association_id" {
  value = azurerm_subnet_network_security_group_association.this["container"].id
}
