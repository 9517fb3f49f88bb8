namespace WgSupervisor.WireGuard.Parsing;

/// <summary>
/// Reads interface names from `ip -o link show`. Needed because the UAPI sockets of userspace WireGuard are
/// shared by every namespace: `wg show all` lists interfaces that live elsewhere.
/// Line shape: "7: wg0: &lt;POINTOPOINT,...&gt; mtu 1420 ...", or "8: veth0@if9: ..." for a pair.
/// </summary>
public static class IpLinkParser
{
    public static IReadOnlySet<string> ParseNames(string output)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in output.Split('\n'))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var parts = line.Split(':', 3);
            if (parts.Length < 3 || !int.TryParse(parts[0], out _))
                throw new Domain.Observation.WireGuardParseException("ip -o link show", lineNumber, "not an interface line");
            var name = parts[1].Trim();
            var at = name.IndexOf('@');
            if (at >= 0) name = name[..at];
            if (name.Length is 0 or > 15 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '/'))
                throw new Domain.Observation.WireGuardParseException("ip -o link show", lineNumber, "not an interface name");
            names.Add(name);
        }
        return names;
    }
}
