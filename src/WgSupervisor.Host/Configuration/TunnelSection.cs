using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.WireGuard;
using WgSupervisor.WireGuard.Parsing;

namespace WgSupervisor.Host.Configuration;

/// <summary>A tunnel's settings while they are read, and whether a ladder was given (else the default ladder applies).</summary>
public sealed record TunnelFields(TunnelSettings Settings, bool LadderConfigured);

/// <summary>
/// Defaults and Tunnels[]: the per-tunnel fields are declared once (<see cref="SharedKeys"/>) and read for Defaults
/// and for every tunnel, each tunnel starting from what Defaults gave; a tunnel adds the keys that say which peer it is.
/// </summary>
public static class TunnelSection
{
    public const string DefaultsName = "Defaults";
    public const string TunnelsName = "Tunnels";

    /// <summary>Built-in defaults under the Defaults section; the identity is blank until a tunnel's own keys fill it in.</summary>
    public static readonly TunnelFields Baseline = new(
        new TunnelSettings { Name = "", Interface = "", PeerPublicKey = "", WgQuickConfig = "", Ladder = RepairLadder.Default },
        LadderConfigured: false);

    /// <summary>The fields Defaults may set, and every tunnel may override key by key.</summary>
    private static readonly KeyTable<TunnelFields> SharedKeys = new KeyTable<TunnelFields>()
        .Key("StaleAfterSeconds", Field((k, t) => t with { StaleAfter = k.Seconds(t.StaleAfter.TotalSeconds, minimum: 1) }))
        .Key("VerifyTimeoutSeconds", Field((k, t) => t with { VerifyTimeout = k.Seconds(t.VerifyTimeout.TotalSeconds, minimum: 1) }))
        .Key("Backoff", Field((k, t) => t with { Backoff = BackoffSection.Read(k, t.Backoff) }))
        .Key("Repair", RepairSection.Read)
        .Key("ReceiveStallSeconds", Field((k, t) => t with { ReceiveStallAfter = k.IsSet ? k.Seconds(0, minimum: 1) : t.ReceiveStallAfter }))
        .Key("Quarantine", Field((k, t) => t with { Quarantine = QuarantineSection.Read(k, t.Quarantine) }))
        .Key("Uplink", Field((k, t) => t with { Uplink = k.Matching(k.Text, ConfigPatterns.Name(), ConfigPatterns.NameRule) ?? t.Uplink }))
        .Key("UnderlayProbe", Field((k, t) => t with { UnderlayProbe = k.Boolean(t.UnderlayProbe) }));

    private static readonly KeyTable<TunnelFields> TunnelKeys = TunnelTable(checkFiles: true);
    private static readonly KeyTable<TunnelFields> TunnelKeysWithoutFiles = TunnelTable(checkFiles: false);

    /// <param name="checkFiles">Whether a wg-quick conf that something will read must exist (not with a simulated backend).</param>
    private static KeyTable<TunnelFields> TunnelTable(bool checkFiles) => new KeyTable<TunnelFields>()
        .Key("Name", Field((k, t) => t with { Name = k.Matching(k.Required(), ConfigPatterns.Name(), ConfigPatterns.NameRule) ?? t.Name }))
        .Key("Interface", Field((k, t) => t with
        {
            Interface = k.Matching(k.Required(), ConfigPatterns.Interface(), "not an interface name (1-15 of a-z A-Z 0-9 _ = + . -)") ?? t.Interface,
        }))
        .Key("PeerPublicKey", Field((k, t) =>
        {
            var peer = k.Required();
            if (peer is not null && !WireGuardKey.IsValid(peer)) k.Problem("not a WireGuard public key (44 characters of base64)");
            return t with { PeerPublicKey = peer ?? t.PeerPublicKey };
        }))
        .Key("Namespace", Field((k, t) => t with { Namespace = k.Matching(k.Text, ConfigPatterns.Name(), "not a network namespace name") }))
        .Key("WgQuickConfig", Field((k, t) => t with { WgQuickConfig = WgQuickConfigOf(k, t.Interface) ?? t.WgQuickConfig }))
        .Key("Site", Field((k, t) => t with { Site = k.Matching(k.Text, ConfigPatterns.Name(), ConfigPatterns.NameRule) }))
        .Key("EndpointHost", Field((k, t) => t with
        {
            Repair = t.Repair with
            {
                EndpointHost = k.Matching(k.Text, ConfigPatterns.Endpoint(), "use host:port (a name or an address, and the peer's port)"),
            },
        }))
        .Key("Probe", Field((k, t) => t with { Probe = ProbeSection.Read(k) }))
        .Key("Standby", Field((k, t) => t with { Standby = k.Matching(k.Text, ConfigPatterns.Name(), "not a node name") }))
        .Key("Primary", Field((k, t) => t with { Primary = k.Matching(k.Text, ConfigPatterns.Name(), "not a node name") }))
        .Check((section, f) =>
        {
            if (f.Settings is { Standby: not null, Primary: not null })
                section.Problem("Primary", "a tunnel names either its Standby (on the primary) or its Primary (on the standby), not both");
        })
        .Include(SharedKeys)
        .Check((section, f) =>
        {
            // Required only when something that will run reads it (the ladder, standby takeover), so it is judged last.
            var conf = f.Settings.WgQuickConfig;
            if (!checkFiles || conf.Length == 0 || !Path.IsPathFullyQualified(conf) || File.Exists(conf)) return;
            var ladder = f.LadderConfigured ? f.Settings.Ladder : RepairLadder.Default;
            if (WgQuickConfNeed.ReasonFor(f.Settings with { Ladder = ladder }) is { } reason)
                section.Problem("WgQuickConfig", $"{conf} does not exist, and {reason}");
        })
        .Check((section, f) =>
        {
            if (f.Settings.StaleAfter < Thresholds.LowestSafeStaleAfter)
                section.Reader.Warn($"{section.Path}:StaleAfterSeconds: below {Thresholds.LowestSafeStaleAfter.TotalSeconds} s " +
                                    "a healthy tunnel between rekeys can look stale");
        });

    /// <summary>A key read into the tunnel's settings.</summary>
    private static Func<KeyReader, TunnelFields, TunnelFields> Field(Func<KeyReader, TunnelSettings, TunnelSettings> read) =>
        (key, fields) => fields with { Settings = read(key, fields.Settings) };

    /// <summary>The conf wg-quick brings the interface up from: given, or /etc/wireguard/IFACE.conf; null while the interface is missing.</summary>
    private static string? WgQuickConfigOf(KeyReader key, string iface)
    {
        if (iface.Length == 0) return null;
        var path = key.Text ?? $"/etc/wireguard/{iface}.conf";
        if (!Path.IsPathFullyQualified(path)) key.Problem("use an absolute path");
        else if (Path.GetFileName(path) != $"{iface}.conf")
            key.Problem($"wg-quick names the interface after the file: expected a file named {iface}.conf");
        return path;
    }

    public static TunnelFields ReadDefaults(SettingsReader reader, IConfiguration section) => SharedKeys.Read(reader, section, DefaultsName, Baseline);

    /// <summary>What a discovered tunnel starts from: Defaults (its ladder unfiltered; the fleet applies it per peer).</summary>
    public static TunnelSettings DiscoveryTemplate(TunnelFields defaults) => defaults.Settings with
    {
        Name = "discovered", Interface = "wg0", PeerPublicKey = "", WgQuickConfig = "/etc/wireguard/wg0.conf", Discovered = true,
    };

    /// <returns>The tunnel; null when it has a problem (then the configuration is refused anyway).</returns>
    public static TunnelSettings? ReadTunnel(SettingsReader reader, IConfiguration section, string path, TunnelFields defaults, bool checkFiles)
    {
        var before = reader.ProblemCount;
        var fields = (checkFiles ? TunnelKeys : TunnelKeysWithoutFiles).Read(reader, section, path, defaults);
        if (reader.ProblemCount > before) return null;
        var tunnel = fields.Settings;
        return fields.LadderConfigured
            ? tunnel
            : tunnel with { Ladder = RepairLadder.ApplicableTo(RepairLadder.Default, WireGuardAdapter.EndpointOf(tunnel)) };
    }

    /// <summary>Every tunnel of the Tunnels list, and the rules across them (unique names and peers, standbys need a cluster).</summary>
    public static IReadOnlyList<TunnelSettings> ReadTunnels(SettingsReader reader, IConfiguration section, TunnelFields defaults, bool checkFiles,
        bool clusterEnabled)
    {
        var sections = section.GetChildren().ToList();
        // Names are checked across every entry, valid or not, so that one mistake does not hide another.
        foreach (var group in sections.Where(t => t["Name"] is { Length: > 0 }).GroupBy(t => t["Name"]!, StringComparer.Ordinal)
                     .Where(g => g.Count() > 1))
            reader.Problem($"{TunnelsName}:{group.Last().Key}:Name", $"the name '{group.Key}' is used by {group.Count()} tunnels; names must be unique");
        var tunnels = new List<TunnelSettings>();
        foreach (var entry in sections.OrderBy(s => int.TryParse(s.Key, out var i) ? i : int.MaxValue))
            if (ReadTunnel(reader, entry, $"{TunnelsName}:{entry.Key}", defaults, checkFiles) is { } tunnel) tunnels.Add(tunnel);
        foreach (var group in tunnels.GroupBy(t => t.Key).Where(g => g.Count() > 1))
            reader.Problem(TunnelsName, $"tunnels {string.Join(", ", group.Select(t => t.Name))} are the same peer of the same interface");
        if (!clusterEnabled)
            foreach (var (tunnel, index) in tunnels.Select((t, i) => (t, i)).Where(t => t.t.PartnerNode is not null))
                reader.Problem($"{TunnelsName}:{index}:{(tunnel.Standby is not null ? "Standby" : "Primary")}", "a standby needs Cluster:Enabled true");
        if (tunnels.Count == 0) reader.Warn($"{TunnelsName}: no tunnels are configured; the supervisor will watch nothing");
        return tunnels;
    }
}
