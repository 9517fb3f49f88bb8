using System.Globalization;
using WgSupervisor.Domain.Observation;

namespace WgSupervisor.WireGuard.Parsing;

/// <summary>
/// Parses `wg show all dump`. Interface lines carry the PRIVATE key: it is never kept, and no error message
/// quotes a line. Interface line: name, private-key, public-key, listen-port, fwmark. Peer line: name,
/// public-key, preshared-key, endpoint, allowed-ips, latest-handshake, rx, tx, persistent-keepalive.
/// </summary>
public static class WgDumpParser
{
    private const string Source = "wg show all dump";
    private const int InterfaceFields = 5;
    private const int PeerFields = 9;
    private const int MaxInterfaceNameLength = 15;

    public static IReadOnlyDictionary<string, InterfaceStatus> Parse(string dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        var interfaces = new Dictionary<string, (string? PublicKey, int? ListenPort, List<PeerStatus> Peers)>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var rawLine in dump.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0) continue;
            // .NET's number parsing skips trailing NULs: a control character anywhere but as separator is malformed input.
            if (line.Any(c => char.IsControl(c) && c != '\t')) throw Error(lineNumber, "control character in the line");
            var fields = line.Split('\t');
            var name = ParseInterfaceName(fields[0], lineNumber);
            switch (fields.Length)
            {
                case InterfaceFields:
                    if (interfaces.ContainsKey(name)) throw Error(lineNumber, $"interface {name} appears twice");
                    // fields[1] is the private key: deliberately not read.
                    interfaces[name] = (ParseOptionalKey(fields[2], lineNumber, "public key"), ParseListenPort(fields[3], lineNumber), []);
                    break;
                case PeerFields:
                    if (!interfaces.TryGetValue(name, out var owner)) throw Error(lineNumber, $"peer of interface {name} before the interface line");
                    owner.Peers.Add(ParsePeer(fields, lineNumber));
                    break;
                default:
                    throw Error(lineNumber, $"expected {InterfaceFields} fields (interface) or {PeerFields} (peer), found {fields.Length}");
            }
        }
        return interfaces.ToDictionary(i => i.Key, i => new InterfaceStatus(i.Key, i.Value.PublicKey, i.Value.ListenPort, i.Value.Peers), StringComparer.Ordinal);
    }

    private static PeerStatus ParsePeer(string[] fields, int lineNumber)
    {
        var publicKey = fields[1];
        if (!WireGuardKey.IsValid(publicKey)) throw Error(lineNumber, "peer public key is not a WireGuard key");
        // fields[2] is the preshared key: deliberately not read.
        return new PeerStatus(
            publicKey,
            ParseEndpoint(fields[3], lineNumber),
            ParseAllowedIps(fields[4], lineNumber),
            ParseHandshake(fields[5], lineNumber),
            ParseCounter(fields[6], lineNumber, "rx bytes"),
            ParseCounter(fields[7], lineNumber, "tx bytes"),
            ParseKeepalive(fields[8], lineNumber));
    }

    private static string ParseInterfaceName(string name, int lineNumber)
    {
        if (name.Length is 0 or > MaxInterfaceNameLength || name.Any(c => char.IsWhiteSpace(c) || c == '/' || char.IsControl(c)))
            throw Error(lineNumber, "field 1 is not an interface name");
        return name;
    }

    private static string? ParseOptionalKey(string text, int lineNumber, string what)
    {
        if (text == "(none)") return null;
        return WireGuardKey.IsValid(text) ? text : throw Error(lineNumber, $"{what} is not a WireGuard key");
    }

    private static int? ParseListenPort(string text, int lineNumber) =>
        text switch
        {
            "0" or "(none)" => null,
            _ when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535 => port,
            _ => throw Error(lineNumber, "listen port is not a port number"),
        };

    private static string? ParseEndpoint(string text, int lineNumber) =>
        IsEndpoint(text)
            ? text == "(none)" ? null : text
            : throw Error(lineNumber, "endpoint is neither (none) nor address:port");

    /// <summary>"(none)", "1.2.3.4:51820" or "[2001:db8::1]:51820" (an IPv6 address always in brackets, as wg prints it).</summary>
    internal static bool IsEndpoint(string text)
    {
        if (text == "(none)") return true;
        var separator = text.LastIndexOf(':');
        var host = separator > 0 ? text[..separator] : "";
        var portText = separator > 0 ? text[(separator + 1)..] : "";
        var hostOk = host.StartsWith('[')
            ? host.EndsWith(']') && System.Net.IPAddress.TryParse(host[1..^1], out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            : !host.Contains(':') && System.Net.IPAddress.TryParse(host, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        var portOk = portText.Length is > 0 and <= 5 && portText.All(char.IsAsciiDigit) && int.Parse(portText) is > 0 and <= 65535;
        return hostOk && portOk;
    }

    private static IReadOnlyList<string> ParseAllowedIps(string text, int lineNumber)
    {
        if (text == "(none)") return [];
        var prefixes = text.Split(',');
        foreach (var prefix in prefixes)
            if (!System.Net.IPNetwork.TryParse(prefix, out _)) throw Error(lineNumber, "allowed-ips holds something that is not an address/prefix");
        return prefixes;
    }

    private static DateTimeOffset? ParseHandshake(string text, int lineNumber)
    {
        var seconds = ParseCounter(text, lineNumber, "latest handshake");
        if (seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()) throw Error(lineNumber, "latest handshake is out of range");
        return seconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    private static long ParseCounter(string text, int lineNumber, string what) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error(lineNumber, $"{what} is not a non-negative number");

    private static int? ParseKeepalive(string text, int lineNumber) =>
        text switch
        {
            "off" => null,
            _ when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= 65535 => seconds == 0 ? null : seconds,
            _ => throw Error(lineNumber, "persistent keepalive is neither off nor seconds"),
        };

    private static WireGuardParseException Error(int lineNumber, string problem) => new(Source, lineNumber, problem);
}
