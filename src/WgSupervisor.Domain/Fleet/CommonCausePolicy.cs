namespace WgSupervisor.Domain.Fleet;

/// <summary>
/// When tunnels that share an uplink, a node or a site go stale together, the cause is most likely shared (the
/// line, the uplink), and no repair on this gateway helps: their repairs are held until the evidence clears.
/// Shared means at least <see cref="MinTunnels"/> tunnels, and at least <see cref="Fraction"/> of the group, whose
/// episodes began within <see cref="Window"/> of each other.
/// </summary>
public sealed record CommonCausePolicy(bool Enabled, TimeSpan Window, double Fraction, int MinTunnels)
{
    public static readonly CommonCausePolicy Default = new(true, TimeSpan.FromSeconds(10), 0.75, 3);
    public static readonly CommonCausePolicy Off = Default with { Enabled = false };
}
