variable "project" {
  type = string
}

variable "environment" {
  type    = string
  default = "dev"
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "address_space" {
  type = string
}

variable "deny_internet_outbound" {
  type    = bool
  default = true
}

variable "allow_monitoring" {
  type    = bool
  default = false
}

variable "tags" {
  type    = map(string)
  default = {}
}
