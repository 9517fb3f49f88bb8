using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Probing;

namespace WgSupervisor.Actors.Tunnels;

/// <summary>What happened, told to a tunnel (by the poller, the fleet, its own tasks and timers) or by it.</summary>
public static partial class TunnelProtocol
{
    public sealed record Observed(TunnelObservation Observation);

    /// <param name="RequestId">The number of the request this grant answers.</param>
    public sealed record PermitGranted(long PermitId, long RequestId = 0);

    /// <summary>
    /// Published on the actor system's event stream for every event a tunnel records (metrics and webhooks
    /// listen); <paramref name="PhaseBefore"/> tells a recovery from a first judgement.
    /// </summary>
    public sealed record EventRecorded(string Tunnel, string Node, string Interface, string PeerPublicKey, string? Site,
        Domain.Tunnels.ITunnelEvent Event, Domain.Tunnels.TunnelPhase PhaseBefore);

    // To itself: the results of its tasks, and its timers.

    internal sealed record RepairActionCompleted(long RepairToken, RepairActionResult Result);

    internal sealed record ProbeCompleted(ProbeResult Result);

    internal sealed record VerifyTimedOut(long RepairToken);

    /// <summary>A confirming burst after a missed probe came back.</summary>
    internal sealed record ProbeConfirmed(ProbeResult Result);

    /// <summary>What a stale tunnel's diagnosis looked up: the endpoint name now, and whether the address pinged outside the
    /// tunnel answered (null: not pinged).</summary>
    internal sealed record EvidenceGathered(long Token, Domain.Diagnosing.EndpointResolution Resolution, bool? UnderlayAnswers,
        string? UnderlayTarget = null);

    /// <summary>A diagnosis waited long enough for a fresh observation: it goes on with the last one.</summary>
    internal sealed record FreshObservationWaited
    {
        public static readonly FreshObservationWaited Instance = new();
    }

    /// <summary>Time to look again at the evidence that holds a tunnel's repairs.</summary>
    internal sealed record ReassessDue
    {
        public static readonly ReassessDue Instance = new();
    }

    internal sealed record ProbeDue
    {
        public static readonly ProbeDue Instance = new();
    }

    internal sealed record BackoffElapsed
    {
        public static readonly BackoffElapsed Instance = new();
    }

    internal sealed record QuarantineWindowPassed
    {
        public static readonly QuarantineWindowPassed Instance = new();
    }

    internal sealed record RetireTimedOut
    {
        public static readonly RetireTimedOut Instance = new();
    }
}
