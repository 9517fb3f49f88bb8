using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Probing;

namespace WgSupervisor.Actors.Tunnels;

/// <summary>Messages a tunnel actor handles, and its answers.</summary>
public static class TunnelProtocol
{
    public sealed record Observed(TunnelObservation Observation);
    /// <param name="RequestId">The number of the request this grant answers.</param>
    public sealed record PermitGranted(long PermitId, long RequestId = 0);
    public sealed record RestartRequested(string By);
    /// <summary>Maintenance: observe, show, never repair, until resumed.</summary>
    public sealed record PauseRequested(string By, string? Reason);
    public sealed record ResumeRequested(string By);
    /// <summary>End a quarantine now.</summary>
    public sealed record ReleaseRequested(string By);

    /// <summary>The recent observations kept for charts (oldest first).</summary>
    public sealed record GetSamples
    {
        public static readonly GetSamples Instance = new();
    }

    public sealed record Samples(string Tunnel, IReadOnlyList<Domain.Tunnels.TunnelSample> Items);

    /// <summary>
    /// Published on the actor system's event stream for every event a tunnel records (metrics and webhooks
    /// listen); <paramref name="PhaseBefore"/> tells a recovery from a first judgement.
    /// </summary>
    public sealed record EventRecorded(string Tunnel, string Node, string Interface, string PeerPublicKey, string? Site,
        Domain.Tunnels.ITunnelEvent Event, Domain.Tunnels.TunnelPhase PhaseBefore);

    /// <summary>From the fleet: record something that concerns this tunnel but is decided elsewhere (cluster conflicts, budget fallback).</summary>
    public sealed record Note(Domain.Tunnels.ITunnelEvent Event, string Warning);

    /// <summary>The answer to an operator's command.</summary>
    public sealed record CommandAccepted(string Tunnel, string Detail);
    public sealed record CommandRejected(string Tunnel, string Reason);
    /// <summary>From the fleet: stop supervising (a discovered tunnel whose peer is gone); record why, then stop.</summary>
    public sealed record Retire(string Reason);

    // To itself.
    internal sealed record RepairActionCompleted(long RepairToken, RepairActionResult Result);
    internal sealed record VerifyTimedOut(long RepairToken);
    internal sealed record ProbeDue
    {
        public static readonly ProbeDue Instance = new();
    }

    internal sealed record ProbeCompleted(ProbeResult Result);

    internal sealed record RetireTimedOut
    {
        public static readonly RetireTimedOut Instance = new();
    }

    internal sealed record QuarantineWindowPassed
    {
        public static readonly QuarantineWindowPassed Instance = new();
    }

    internal sealed record BackoffElapsed
    {
        public static readonly BackoffElapsed Instance = new();
    }
}
