using System.Globalization;
using WgSupervisor.Domain.Observation;

namespace WgSupervisor.WireGuard.Parsing;

/// <summary>
/// Parses the answer of a userspace WireGuard's UAPI socket to `get=1`: key=value lines, keys in hex, a
/// `public_key=` line starting each peer, `errno=` last. The private_key and preshared_key lines are skipped
/// unread, and no error message quotes a value.
/// </summary>
public static class UapiParser
{
    private const string Source = "UAPI get=1";

    public static InterfaceStatus Parse(string interfaceName, string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        int? listenPort = null;
        int? errno = null;
        var peers = new List<PeerStatus>();
        PeerBuilder? peer = null;
        var lineNumber = 0;
        foreach (var rawLine in answer.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0) continue;
            if (line.Any(char.IsControl)) throw Error(lineNumber, "control character in the line");
            if (errno is not null) throw Error(lineNumber, "data after errno=");
            var separator = line.IndexOf('=');
            if (separator <= 0) throw Error(lineNumber, "not a key=value line");
            var key = line[..separator];
            var value = line[(separator + 1)..];
            switch (key)
            {
                case "private_key" or "preshared_key" or "fwmark" or "protocol_version":
                    break;
                case "listen_port" when peer is null:
                    listenPort = Port(value, lineNumber);
                    break;
                case "public_key":
                    if (peer is not null) peers.Add(peer.Build(lineNumber));
                    peer = new PeerBuilder(HexKeyToBase64(value, lineNumber));
                    break;
                case "endpoint" when peer is not null:
                    peer.Endpoint = WgDumpParser.IsEndpoint(value) ? value == "(none)" ? null : value : throw Error(lineNumber, "endpoint is not address:port");
                    break;
                case "last_handshake_time_sec" when peer is not null:
                    peer.HandshakeSeconds = Number(value, lineNumber, key);
                    break;
                case "last_handshake_time_nsec" when peer is not null:
                    peer.HandshakeNanoseconds = Number(value, lineNumber, key);
                    if (peer.HandshakeNanoseconds >= 1_000_000_000) throw Error(lineNumber, "last_handshake_time_nsec is out of range");
                    break;
                case "rx_bytes" when peer is not null:
                    peer.RxBytes = Number(value, lineNumber, key);
                    break;
                case "tx_bytes" when peer is not null:
                    peer.TxBytes = Number(value, lineNumber, key);
                    break;
                case "persistent_keepalive_interval" when peer is not null:
                    var seconds = Number(value, lineNumber, key);
                    if (seconds > 65535) throw Error(lineNumber, "persistent_keepalive_interval is out of range");
                    peer.Keepalive = seconds == 0 ? null : (int)seconds;
                    break;
                case "allowed_ip" when peer is not null:
                    if (!System.Net.IPNetwork.TryParse(value, out _)) throw Error(lineNumber, "allowed_ip is not an address/prefix");
                    peer.AllowedIps.Add(value);
                    break;
                case "errno":
                    errno = (int)Math.Min(Number(value, lineNumber, key), int.MaxValue);
                    break;
                default:
                    // Unknown keys are not quoted: a torn answer can put key material where a key name belongs.
                    throw Error(lineNumber, KnownKeys.Contains(key)
                        ? $"key '{key}' out of place{(peer is null ? " (before the first peer)" : "")}"
                        : $"unknown key{(peer is null ? " before the first peer" : "")}");
            }
        }
        if (errno is null) throw Error(lineNumber, "the answer ended without errno=");
        if (errno != 0) throw Error(lineNumber, $"the device answered errno={errno}");
        if (peer is not null) peers.Add(peer.Build(lineNumber));
        return new InterfaceStatus(interfaceName, null, listenPort, peers);
    }

    private static string HexKeyToBase64(string hex, int lineNumber)
    {
        if (hex.Length != 64) throw Error(lineNumber, "public_key is not 64 hex digits");
        try
        {
            return Convert.ToBase64String(Convert.FromHexString(hex));
        }
        catch (FormatException)
        {
            throw Error(lineNumber, "public_key is not 64 hex digits");
        }
    }

    private static long Number(string text, int lineNumber, string key) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error(lineNumber, $"{key} is not a non-negative number");

    private static int? Port(string text, int lineNumber)
    {
        var port = Number(text, lineNumber, "listen_port");
        return port switch
        {
            0 => null,
            <= 65535 => (int)port,
            _ => throw Error(lineNumber, "listen_port is out of range"),
        };
    }

    private static readonly HashSet<string> KnownKeys =
    [
        "private_key", "listen_port", "fwmark", "public_key", "preshared_key", "protocol_version", "endpoint", "last_handshake_time_sec",
        "last_handshake_time_nsec", "rx_bytes", "tx_bytes", "persistent_keepalive_interval", "allowed_ip", "errno",
    ];

    private static WireGuardParseException Error(int lineNumber, string problem) => new(Source, lineNumber, problem);

    private sealed class PeerBuilder(string publicKey)
    {
        public string? Endpoint { get; set; }
        public long HandshakeSeconds { get; set; }
        public long HandshakeNanoseconds { get; set; }
        public long RxBytes { get; set; }
        public long TxBytes { get; set; }
        public int? Keepalive { get; set; }
        public List<string> AllowedIps { get; } = [];

        /// <param name="lineNumber">The line where the peer's block ended, for an error about it.</param>
        public PeerStatus Build(int lineNumber)
        {
            if (HandshakeSeconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds() - 1) throw new WireGuardParseException(Source, lineNumber, "handshake time out of range");
            DateTimeOffset? handshake = HandshakeSeconds == 0 && HandshakeNanoseconds == 0
                ? null
                : DateTimeOffset.FromUnixTimeSeconds(HandshakeSeconds).AddTicks(HandshakeNanoseconds / 100);
            return new PeerStatus(publicKey, Endpoint, AllowedIps, handshake, RxBytes, TxBytes, Keepalive);
        }
    }
}
