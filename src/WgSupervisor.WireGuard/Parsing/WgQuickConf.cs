namespace WgSupervisor.WireGuard.Parsing;

/// <summary>A [Peer] of a wg-quick conf, without its preshared key (only whether it has one).</summary>
public sealed record ConfPeer(string PublicKey, IReadOnlyList<string> AllowedIps, string? Endpoint, int? PersistentKeepalive, bool HasPresharedKey);

/// <summary>
/// Reads the peers of a wg-quick conf. PrivateKey and PresharedKey values are never kept: the one
/// reader that needs a preshared key (<see cref="ReadPresharedKey"/>) hands it straight to `wg`'s stdin.
/// </summary>
public static class WgQuickConf
{
    public static IReadOnlyList<ConfPeer> ReadPeers(string path) => ParsePeers(File.ReadAllLines(path));

    public static ConfPeer? FindPeer(string path, string publicKey) =>
        File.Exists(path) ? ReadPeers(path).FirstOrDefault(p => p.PublicKey == publicKey) : null;

    public static IReadOnlyList<ConfPeer> ParsePeers(IEnumerable<string> lines)
    {
        var peers = new List<ConfPeer>();
        PeerBuilder? current = null;
        foreach (var raw in lines)
        {
            var line = StripComment(raw).Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('['))
            {
                if (current?.Build() is { } done) peers.Add(done);
                current = line.Equals("[Peer]", StringComparison.OrdinalIgnoreCase) ? new PeerBuilder() : null;
                continue;
            }
            if (current is null) continue;
            var separator = line.IndexOf('=');
            if (separator <= 0) continue;
            var key = line[..separator].Trim();
            var value = line[(separator + 1)..].Trim();
            switch (key.ToLowerInvariant())
            {
                case "publickey":
                    current.PublicKey = value;
                    break;
                case "allowedips":
                    current.AllowedIps.AddRange(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "endpoint":
                    current.Endpoint = value;
                    break;
                case "persistentkeepalive":
                    current.PersistentKeepalive = int.TryParse(value, out var seconds) && seconds > 0 ? seconds : null;
                    break;
                case "presharedkey":
                    current.HasPresharedKey = true; // the value itself is not kept
                    break;
            }
        }
        if (current?.Build() is { } last) peers.Add(last);
        return peers;
    }

    /// <summary>The preshared key of one peer, for `wg set ... preshared-key /dev/stdin`; null if it has none.</summary>
    public static string? ReadPresharedKey(string path, string publicKey)
    {
        string? peerKey = null;
        string? preshared = null;
        var inPeer = false;
        foreach (var raw in File.ReadLines(path))
        {
            var line = StripComment(raw).Trim();
            if (line.StartsWith('['))
            {
                if (inPeer && peerKey == publicKey) return preshared;
                inPeer = line.Equals("[Peer]", StringComparison.OrdinalIgnoreCase);
                peerKey = null;
                preshared = null;
                continue;
            }
            var separator = line.IndexOf('=');
            if (!inPeer || separator <= 0) continue;
            var key = line[..separator].Trim();
            if (key.Equals("PublicKey", StringComparison.OrdinalIgnoreCase)) peerKey = line[(separator + 1)..].Trim();
            else if (key.Equals("PresharedKey", StringComparison.OrdinalIgnoreCase)) preshared = line[(separator + 1)..].Trim();
        }
        return inPeer && peerKey == publicKey ? preshared : null;
    }

    private static string StripComment(string line)
    {
        var hash = line.IndexOf('#');
        return hash >= 0 ? line[..hash] : line;
    }

    private sealed class PeerBuilder
    {
        public string? PublicKey { get; set; }
        public List<string> AllowedIps { get; } = [];
        public string? Endpoint { get; set; }
        public int? PersistentKeepalive { get; set; }
        public bool HasPresharedKey { get; set; }

        public ConfPeer? Build() => PublicKey is null ? null : new ConfPeer(PublicKey, AllowedIps, Endpoint, PersistentKeepalive, HasPresharedKey);
    }
}
