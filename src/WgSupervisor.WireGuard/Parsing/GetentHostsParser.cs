using System.Net;

namespace WgSupervisor.WireGuard.Parsing;

/// <summary>
/// Reads the addresses of `getent ahosts NAME`: one line per address and socket type ("10.250.1.2  STREAM site1.lab",
/// then DGRAM and RAW lines for the same address). Keeps each address once, in the resolver's order (the first is
/// the one `wg set` would take).
/// </summary>
public static class GetentHostsParser
{
    public static IReadOnlyList<string> ParseAddresses(string output)
    {
        var addresses = new List<string>();
        foreach (var line in output.Split('\n'))
        {
            var first = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            // Anything that is not an address (a stray message) is not an answer.
            if (first is null || !IPAddress.TryParse(first, out var address)) continue;
            var text = address.ToString();
            if (!addresses.Contains(text)) addresses.Add(text);
        }
        return addresses;
    }
}
