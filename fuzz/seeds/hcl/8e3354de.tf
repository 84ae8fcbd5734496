variable "prefix" {
  type        = string
  description = "Name prefix for every network resource."
}

variable "location" {
  type = string
}

variable "resource_group_name" {
  type = string
}

variable "address_space" {
  type = string
}

variable "subnets" {
  description = "Subnets carved out of address_space; delegated ones get the NSG and NAT gateway."
  type = map(object({
    newbits   = number
    netnum    = number
    delegated = optional(bool, true)
  }))
}

variable "deny_internet_outbound" {
  type    = bool
  default = false
}

variable "allow_monitoring" {
  type    = bool
  default = false
}

variable "monitoring_ports" {
  type    = list(string)
  default = ["9100"]
}

variable "tags" {
  type    = map(string)
  default = {}
}
