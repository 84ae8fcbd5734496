# Every function result lands in a rule's description, so the test reads it from the model.
locals {
  vnet     = "10.1.0.0/16"
  settings = jsondecode(file("${path.module}/settings.json"))
  subnets  = { host = "10.1.0.0/24", container = "10.1.1.0/24" }

  results = {
    cidrsubnet   = cidrsubnet(local.vnet, 8, 2)
    cidrhost     = cidrhost("10.1.2.0/24", 5)
    cidrnetmask  = cidrnetmask("10.1.0.0/20")
    cidrsubnets  = join(",", cidrsubnets("10.1.0.0/16", 4, 4, 8))
    format       = format("%s-%03d", "rule", 7)
    formatlist   = join(",", formatlist("%s=%s", ["a", "b"], ["1", "2"]))
    lower        = lower("EastUS2")
    upper        = upper("nsg")
    title        = title("private endpoint")
    replace      = replace("a.b.c", ".", "-")
    replace_re   = replace("subnet-01-host", "/-\\d+-/", "-")
    join         = join("/", ["vnet", "subnet"])
    split        = join("|", split(",", "x,y,z"))
    concat       = join(",", concat(["a"], ["b", "c"]))
    merge        = jsonencode(merge({ a = 1, b = 2 }, { b = 3 }))
    lookup       = lookup(local.subnets, "host", "none")
    lookup_dflt  = lookup(local.subnets, "pe", "none")
    try          = try(local.subnets["pe"], "fallback")
    can          = tostring(can(local.subnets["pe"]))
    coalesce     = coalesce("", "second")
    length       = tostring(length(local.subnets))
    element      = element(["a", "b", "c"], 4)
    keys         = join(",", keys(local.subnets))
    values       = join(",", values(local.subnets))
    toset        = join(",", toset(["b", "a", "b"]))
    tolist       = join(",", tolist(toset(["z", "y"])))
    tomap        = jsonencode(tomap({ k = "v" }))
    flatten      = join(",", flatten([["a", "b"], ["c"], []]))
    distinct     = join(",", distinct(["a", "b", "a"]))
    contains     = tostring(contains(["443", "80"], "443"))
    jsondecode   = local.settings.zone
    jsonencode   = jsonencode({ ports = [443, 8443] })
    file         = trimspace(file("${path.module}/settings.json"))
    templatefile = templatefile("${path.module}/greeting.tftpl", { name = "adb", ports = [443, 8443] })
    substr       = substr("databricks", 0, 4)
    trimspace    = trimspace("  padded  ")
    regex        = regex("^([a-z]+)-(\\d+)$", "vnet-42")[1]
    regexall     = tostring(length(regexall("[0-9]", "a1b2c3")))
    startswith   = tostring(startswith("privatelink.blob", "privatelink."))
    endswith     = tostring(endswith("host-subnet", "-subnet"))
    min_max      = format("%d..%d", min(3, 1, 2), max([4, 9, 2]...))
    sum_range    = tostring(sum(range(1, 5)))
    zipmap       = jsonencode(zipmap(["a", "b"], [1, 2]))
    slice        = join(",", slice(["a", "b", "c", "d"], 1, 3))
    reverse      = join(",", reverse(["a", "b"]))
    sort         = join(",", sort(["c", "a", "b"]))
    compact      = join(",", compact(["a", "", "b"]))
    index        = tostring(index(["x", "y"], "y"))
    one          = one(["only"])
    setunion     = join(",", setunion(["a"], ["b", "a"]))
    setsubtract  = join(",", setsubtract(["a", "b"], ["a"]))
    trim_fix     = "${trimprefix("pl-zone", "pl-")}/${trimsuffix("zone.tf", ".tf")}"
    strcontains  = tostring(strcontains("databricks", "brick"))
    tonumber     = tostring(tonumber("42") + 1)
    base64       = base64decode(base64encode("round trip"))
    alltrue      = tostring(alltrue([true, contains(["a"], "a")]))
    parseint     = tostring(parseint("ff", 16))
  }
}

resource "azurerm_network_security_group" "fn" {
  name                = "fn-nsg"
  location            = "eastus2"
  resource_group_name = "rg"
}

resource "azurerm_network_security_rule" "fn" {
  for_each                    = local.results
  name                        = replace(each.key, "_", "-")
  description                 = each.value
  priority                    = 100 + index(keys(local.results), each.key)
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "443"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
  resource_group_name         = "rg"
  network_security_group_name = azurerm_network_security_group.fn.name
}
