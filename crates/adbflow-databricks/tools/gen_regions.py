#!/usr/bin/env python3
"""Generate data/regions.toml from the per-region Databricks endpoint JSON (AzureTRE's
databricks-udr.json layout: one object per region with webappDestinationAddresses, sccRelayDomains, ...).

Run by hand when the upstream file changes:

    python3 tools/gen_regions.py PATH/TO/databricks-region-endpoints.json > data/regions.toml

The output is adbflow's own format. Known defects of the upstream file are repaired here (each repair
is recorded as a `flags` entry of the region) and every value the upstream file does not state —
account regions read from names, relay IP pairing, web-app host names, system-tables accounts — is
marked `inferred = true`. Tests never run this script; they read the committed TOML.
"""

import json
import re
import sys

SOURCE = {
    "name": "region-endpoints",
    "source": "microsoft/AzureTRE templates/workspace_services/databricks/terraform/databricks-udr.json",
    "url": "https://github.com/microsoft/AzureTRE/blob/main/templates/workspace_services/databricks/terraform/databricks-udr.json",
    "revision": "9a989fb8",
    "as_of": "2025-12-16",
    "inferred": False,
}
OTHER_TABLES = [
    {
        "name": "system-tables",
        "source": "westeurope: databricks/terraform-databricks-examples examples/adb-exfiltration-protection/terraform.tfvars "
        "(system tables storage, HTTPS 443); koreacentral, australiaeast, centralindia, eastus: unattributed public code "
        "(low confidence); every other region: unknown",
        "url": "https://github.com/databricks/terraform-databricks-examples",
        "revision": "fb6ff0c3",
        "as_of": "2026-02-20",
        "inferred": False,
    },
    {
        "name": "account-regions",
        "source": "adbflow inference: the Azure region of each Databricks-managed storage account, metastore and Event Hub "
        "namespace, read from the region abbreviation in its name",
        "url": "",
        "revision": "",
        "as_of": "2026-05-04",
        "inferred": True,
    },
    {
        "name": "webapp-hostnames",
        "source": "adbflow inference: regional web application host <region>.<suffix> (observed as westus.azuredatabricks.net "
        "/clusters/vmboot/get_runbook in Azure-Samples/modern-data-warehouse-dataops#231) and browser-authentication host "
        "<region>.pl-auth.<suffix> (observed as westeurope-c2.pl-auth.azuredatabricks.net in "
        "databricks/terraform-databricks-examples#90; the shard suffix varies)",
        "url": "",
        "revision": "",
        "as_of": "2026-05-04",
        "inferred": True,
    },
]

CLOUDS = {
    "AzureCloud": {"databricks_suffix": "azuredatabricks.net", "storage_suffix": "core.windows.net"},
    "AzureChinaCloud": {"databricks_suffix": "databricks.azure.cn", "storage_suffix": "core.chinacloudapi.cn"},
    "AzureUSGovernment": {"databricks_suffix": "databricks.azure.us", "storage_suffix": "core.usgovcloudapi.net"},
}

# Region abbreviations used in Databricks-managed account names.
ABBREV = {
    "austc": "australiacentral", "austc2": "australiacentral2", "auste": "australiaeast", "austeast": "australiaeast",
    "austse": "australiasoutheast", "brazilsou": "brazilsouth", "cacentral": "canadacentral", "caeast": "canadaeast",
    "cindia": "centralindia", "cne2": "chinaeast2", "cne3": "chinaeast3", "cnn2": "chinanorth2", "cnn3": "chinanorth3",
    "cus": "centralus", "eap": "eastasia", "frcentral": "francecentral", "gerwescen": "germanywestcentral",
    "koreacen": "koreacentral", "ncus": "northcentralus", "ncentralus": "northcentralus", "northeu": "northeurope",
    "nweast": "norwayeast", "qcentral": "qatarcentral", "safrican": "southafricanorth", "scus": "southcentralus",
    "scentralus": "southcentralus", "seap": "southeastasia", "seasia": "southeastasia", "sindia": "southindia",
    "swissnor": "switzerlandnorth", "swisswest": "switzerlandwest", "usgariz": "usgovarizona",
    "usgvirg": "usgovvirginia", "usgovvirg": "usgovvirginia", "wcentus": "westcentralus", "westeu": "westeurope",
    "windia": "westindia",
}


def clean(values, region, what, flags):
    out = []
    for v in values:
        # DNS names are case-insensitive; upstream mixes `observabilityEventHubs` and `observabilityeventhubs`.
        c = v.strip().rstrip(".").lower()
        if c != v.lower():
            flags.append(f"{what}: stray whitespace or trailing dot removed from '{v}'")
        if not c:
            continue
        if c in out:
            flags.append(f"{what}: duplicate '{c}' removed")
            continue
        out.append(c)
    return out


def prefix(v, what, flags):
    if "/" not in v:
        flags.append(f"{what}: '{v}' written without a prefix length; read as {v}/32")
        return v + "/32"
    return v


def region_of(name, regions):
    """The region a Databricks-managed name lives in, from its region abbreviation."""
    label = name.split(".")[0].lower()
    m = re.match(r"^(?:dbartifactsprod|dblogprod|arprod)(.+?)(?:a\d+)?$", label)
    if m and label.startswith("arprod"):
        key = m.group(1)
    elif label.startswith("dbartifactsprod"):
        key = label[len("dbartifactsprod"):]
    elif label.startswith("dblogprod"):
        key = label[len("dblogprod"):]
    elif label.startswith("prod-"):
        key = re.sub(r"c\d+$", "", label[len("prod-"):].split("-observability")[0])
    elif label.startswith("consolidated-"):
        key = re.sub(r"c\d+$", "", label[len("consolidated-"):].split("-prod-metastore")[0])
    else:
        return None
    if key in regions:
        return key
    return ABBREV.get(key)


def cloud_of(values):
    joined = " ".join(values)
    if "chinacloudapi.cn" in joined or "databricks.azure.cn" in joined:
        return "AzureChinaCloud"
    if "usgovcloudapi.net" in joined or "databricks.azure.us" in joined:
        return "AzureUSGovernment"
    return "AzureCloud"


SYSTEM_TABLES = {
    "westeurope": ("ucstprdwesteu.dfs.core.windows.net", False, None),
    "koreacentral": ("ucstprdkoreacen.dfs.core.windows.net", True, "low confidence: unattributed public code"),
    "australiaeast": ("ucstprdauste.dfs.core.windows.net", True, "low confidence: unattributed public code"),
    "centralindia": ("ucstprdcindia.dfs.core.windows.net", True, "low confidence: unattributed public code"),
    "eastus": ("ucstprdeastus.dfs.core.windows.net", True, "low confidence: unattributed public code"),
}


def q(s):
    return json.dumps(s)


def entry(fqdn, region=None, ip=None, inferred=False, note=None):
    parts = [f"fqdn = {q(fqdn)}"]
    if region:
        parts.append(f"region = {q(region)}")
    if ip:
        parts.append(f"ip = {q(ip)}")
    if inferred:
        parts.append("inferred = true")
    if note:
        parts.append(f"note = {q(note)}")
    return "{ " + ", ".join(parts) + " }"


def main(path):
    data = json.load(open(path))
    regions = sorted(data)
    # A relay FQDN names the region that owns it (tunnel.<region>.<suffix>); the owner's row pairs
    # its first FQDN with its first IP. Other regions that use that relay, and shard relays
    # (tunnel.<region>c2...), get the owner's IP or none: positional pairing is unreliable upstream
    # (centralus lists its IPs in another order than its FQDNs).
    owner_ip = {}
    for r in regions:
        fq = [x.strip() for x in data[r].get("sccRelayDomains", []) if x.strip()]
        ips = [x.strip() for x in data[r].get("sccRelayDestinationAddresses", []) if x.strip()]
        if fq and ips and fq[0].split(".")[1] == r:
            owner_ip[fq[0]] = (r, prefix(ips[0], "", []))
    ip_users = {}
    for f, (r, ip) in owner_ip.items():
        ip_users.setdefault(ip, []).append(f)

    out = ["# Azure Databricks control-plane and managed-service endpoints per region, in adbflow's own format.",
           "# Generated by tools/gen_regions.py; edit the script, not this file.",
           "# Repairs of the upstream data are listed per region under `flags`; values the upstream file does not",
           "# state are marked `inferred = true` (and whole tables by their `inferred` flag).",
           "schema_version = 1", ""]
    for t in [SOURCE] + OTHER_TABLES:
        out.append("[[tables]]")
        for k in ["name", "source", "url", "revision", "as_of"]:
            out.append(f"{k} = {q(t[k])}")
        out.append(f"inferred = {'true' if t['inferred'] else 'false'}")
        out.append("")
    for c, v in CLOUDS.items():
        out.append(f"[clouds.{c}]")
        for k, x in v.items():
            out.append(f"{k} = {q(x)}")
        out.append("")

    for r in regions:
        v = dict(data[r])
        flags = []
        if " " in v and "logBlobStorageDomains" not in v:
            flags.append("log blob list stored under the key ' ' upstream; read as the log blob list")
            v["logBlobStorageDomains"] = v.pop(" ")
        webapp = [prefix(x, "webapp IPs", flags) for x in clean(v.get("webappDestinationAddresses", []), r, "webapp IPs", flags)]
        nat = [prefix(x, "control-plane NAT IPs", flags) for x in clean(v.get("controlPlaneNatDestinationAddresses", []), r, "control-plane NAT IPs", flags)]
        ext = [prefix(x, "extended infrastructure IPs", flags) for x in clean(v.get("extendedInfrastructureDestinationAddresses", []), r, "extended infrastructure IPs", flags)]
        relays = clean(v.get("sccRelayDomains", []), r, "SCC relay FQDNs", flags)
        relay_ips = [prefix(x, "SCC relay IPs", flags) for x in clean(v.get("sccRelayDestinationAddresses", []), r, "SCC relay IPs", flags)]
        metas = clean(v.get("metastoreDomains", []), r, "metastore FQDNs", flags)
        prim = clean(v.get("artifactBlobStoragePrimaryDomains", []), r, "artifact primary", flags)
        sec = clean(v.get("artifactBlobStorageSecondaryDomains", []), r, "artifact secondary", flags)
        logs = clean(v.get("logBlobStorageDomains", []), r, "log blob", flags)
        ehs = clean(v.get("eventHubEndpointDomains", []), r, "Event Hub", flags)
        cloud = cloud_of(relays + prim + metas + logs)
        suffix = CLOUDS[cloud]["databricks_suffix"]
        no_data = not (webapp or relays or prim)
        if no_data:
            flags.append("every field is empty upstream: no endpoint data for this region")
        if sec and prim and sec[0] == prim[0]:
            flags.append(f"secondary artifact account equals the primary ({prim[0]}) upstream")

        relay_entries = []
        for i, f in enumerate(relays):
            ip, inferred, note = None, False, None
            owner = owner_ip.get(f)
            if owner is None:
                note = "upstream does not pair an IP with this FQDN; resolve it"
                if not relay_ips:
                    flags.append(f"no SCC relay IP upstream for {f}; resolve the FQDN")
            else:
                ip = owner[1]
                if owner[0] != r and ip not in relay_ips:
                    flags.append(f"SCC relay {f} is listed with {', '.join(relay_ips)} upstream, but its own region "
                                 f"{owner[0]} gives {ip}; using {ip}")
                    inferred, note = True, f"IP taken from {owner[0]}, the region that owns this relay"
                others = [g for g in ip_users.get(ip, []) if g != f]
                if others:
                    flags.append(f"SCC relay IP {ip} is given for both {f} and {others[0]} upstream; one is probably "
                                 "wrong, prefer resolving the FQDN")
                    inferred, note = True, f"suspect: the same IP is given for {others[0]}"
            relay_entries.append(entry(f, ip=ip.split("/")[0] if ip else None, inferred=inferred, note=note))

        def storage(values):
            res = []
            for f in values:
                reg = region_of(f, regions)
                res.append(entry(f, region=reg))
            return res

        meta_entries = [entry(f, region=region_of(f, regions)) for f in metas]
        eh_entries = [entry(f, region=region_of(f, regions)) for f in ehs]
        if r == "swedencentral":
            flags.append("artifact, log, metastore and Event Hub entries name Switzerland North accounts upstream, while "
                         "switzerlandnorth has none: probably shifted rows; kept as published")
        if r == "switzerlandnorth":
            flags.append("artifact, log and Event Hub lists are empty upstream (see swedencentral)")
        st = []
        if r in SYSTEM_TABLES:
            f, inf, note = SYSTEM_TABLES[r]
            st.append(entry(f, region=r, inferred=inf, note=note))

        out.append("[[regions]]")
        out.append(f"name = {q(r)}")
        out.append(f"cloud = {q(cloud)}")
        if no_data:
            out.append("no_data = true")
        else:
            out.append(f"webapp = {entry(r + '.' + suffix, inferred=True)}")
            out.append(f"browser_auth = {entry(r + '.pl-auth.' + suffix, inferred=True)}")
        for key, vals in [("webapp_ips", webapp), ("control_plane_nat_ips", nat), ("extended_infra_ips", ext)]:
            out.append(f"{key} = [{', '.join(q(x) for x in vals)}]")
        for key, ents in [("scc_relays", relay_entries), ("metastores", meta_entries),
                          ("artifact_primary", storage(prim)), ("artifact_secondary", storage(sec)),
                          ("log_blob", storage(logs)), ("event_hubs", eh_entries), ("system_tables", st)]:
            if not ents:
                out.append(f"{key} = []")
            else:
                out.append(f"{key} = [")
                for e in ents:
                    out.append(f"    {e},")
                out.append("]")
        out.append(f"flags = [{', '.join(q(x) for x in flags)}]")
        out.append("")
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../../../shared/data/databricks-region-endpoints.json")
