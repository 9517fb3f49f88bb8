namespace WgSupervisor.Domain.Fleet;

/// <summary>
/// When tunnels that share an uplink, a node or a site go stale together, the cause is most likely shared (the
/// line, the uplink), and no repair on this gateway helps: their repairs are held until the evidence clears.
/// Shared means at least <see cref="MinTunnels"/> tunnels, and at least <see cref="Fraction"/> of the group, whose
/// episodes began within <see cref="Window"/> of each other.
/// </summary>
/// <param name="Settle">How long the first peer repair of a tunnel without an underlay probe waits, in a group big enough
/// for a common cause, so that the others can show whether they fail too (tunnels notice an outage a second apart).</param>
/// <param name="PingEndpoints">Before holding a tunnel for a shared cause, ping its endpoint's address outside the tunnel:
/// a site that answers is not behind the shared outage (several sites that restarted at once), so it is repaired.
/// Silence holds nothing that the shared cause did not already hold: many sites drop pings.</param>
public sealed record CommonCausePolicy(bool Enabled, TimeSpan Window, double Fraction, int MinTunnels, TimeSpan Settle, bool PingEndpoints = true)
{
    public static readonly TimeSpan DefaultSettle = TimeSpan.FromSeconds(1.5);

    public static readonly CommonCausePolicy Default = new(true, TimeSpan.FromSeconds(10), 0.75, 3, DefaultSettle);
    public static readonly CommonCausePolicy Off = Default with { Enabled = false };
}
