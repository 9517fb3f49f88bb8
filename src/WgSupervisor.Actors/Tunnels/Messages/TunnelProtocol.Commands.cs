namespace WgSupervisor.Actors.Tunnels;

/// <summary>
/// The messages of the tunnel family (<see cref="TunnelActor"/>, <see cref="MovableTunnelActor"/>), one file per
/// kind: the commands and their answers here, the events in TunnelProtocol.Events.cs, the queries in
/// TunnelProtocol.Queries.cs.
/// </summary>
public static partial class TunnelProtocol
{
    public sealed record RestartRequested(string By);

    /// <summary>Maintenance: observe, show, never repair, until resumed.</summary>
    public sealed record PauseRequested(string By, string? Reason);

    public sealed record ResumeRequested(string By);

    /// <summary>End a quarantine now.</summary>
    public sealed record ReleaseRequested(string By);

    /// <summary>From the fleet: record something that concerns this tunnel but is decided elsewhere (cluster conflicts, budget fallback).</summary>
    public sealed record Note(Domain.Tunnels.ITunnelEvent Event, string Warning);

    /// <summary>From the fleet: most tunnels of a group this tunnel belongs to went stale together (null: no longer).</summary>
    /// <param name="PingEndpoint">Ping the endpoint's address before holding: an answer clears the suspicion for this tunnel.</param>
    public sealed record SharedCauseChanged(Domain.Diagnosing.SharedCause? Cause, bool PingEndpoint = false);

    /// <summary>From the fleet: stop supervising (a discovered tunnel whose peer is gone); record why, then stop.</summary>
    public sealed record Retire(string Reason);

    /// <summary>The answer to an operator's command.</summary>
    public sealed record CommandAccepted(string Tunnel, string Detail);

    public sealed record CommandRejected(string Tunnel, string Reason);
}
