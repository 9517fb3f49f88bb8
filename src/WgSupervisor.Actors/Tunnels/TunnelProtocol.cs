using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;

namespace WgSupervisor.Actors.Tunnels;

/// <summary>Messages a tunnel actor handles, and its answers.</summary>
public static class TunnelProtocol
{
    public sealed record Observed(TunnelObservation Observation);
    public sealed record PermitGranted(long PermitId);
    public sealed record RestartRequested(string RequestedBy);
    public sealed record RestartAccepted(string Tunnel, string Detail);
    public sealed record RestartRejected(string Tunnel, string Reason);

    // To itself.
    internal sealed record RepairActionCompleted(long RepairToken, RepairActionResult Result);
    internal sealed record VerifyTimedOut(long RepairToken);
    internal sealed record BackoffElapsed
    {
        public static readonly BackoffElapsed Instance = new();
    }
}
