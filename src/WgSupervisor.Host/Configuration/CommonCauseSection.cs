using WgSupervisor.Domain.Fleet;

namespace WgSupervisor.Host.Configuration;

/// <summary>
/// The CommonCause section: when tunnels that share an uplink, a node or a site go stale together, their repairs are
/// held (the line is down; nothing on this gateway helps) instead of climbing the ladder.
/// </summary>
public static class CommonCauseSection
{
    public const string Name = "CommonCause";

    private static readonly KeyTable<CommonCausePolicy> Keys = new KeyTable<CommonCausePolicy>()
        .Key("Enabled", (k, c) => c with { Enabled = k.Boolean(c.Enabled) })
        // A window below the poll interval's own floor (0.1 s) could never hold two observations apart.
        .Key("WindowSeconds", (k, c) => c with { Window = k.Seconds(c.Window.TotalSeconds, minimum: 0.1) })
        .Key("Fraction", (k, c) => c with { Fraction = k.Fraction(c.Fraction) })
        // One tunnel alone is no common cause.
        .Key("MinTunnels", (k, c) => c with { MinTunnels = k.Integer(c.MinTunnels, minimum: 2, maximum: 100_000) })
        .Key("SettleSeconds", (k, c) => c with { Settle = k.Seconds(c.Settle.TotalSeconds, minimum: 0, maximum: 60) })
        .Key("PingEndpoints", (k, c) => c with { PingEndpoints = k.Boolean(c.PingEndpoints) });

    public static CommonCausePolicy Read(SettingsReader reader, IConfiguration section) =>
        Keys.Read(reader, section, Name, CommonCausePolicy.Default);
}
