using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Domain.Ports;

/// <summary>
/// The one door to WireGuard. Everything above it speaks in these domain types; only the adapter knows
/// `wg`, wg-quick, `ip` and the UAPI sockets, and whether the interface is the kernel's or userspace.
/// </summary>
public interface IWireGuard
{
    /// <summary>Reads every interface and peer of one network namespace (null: the host's own) in one go.</summary>
    /// <exception cref="WireGuardUnavailableException">The state could not be read at all.</exception>
    Task<NamespaceSnapshot> ReadAsync(string? networkNamespace, CancellationToken cancellationToken);

    /// <summary>Runs one rung of the repair ladder for one tunnel. Never throws for a failed action: the result says.</summary>
    Task<RepairActionResult> RepairAsync(RepairRung rung, TunnelSettings tunnel, CancellationToken cancellationToken);

    /// <summary>Takes the tunnel's interface down (wg-quick down), for a movable tunnel that another node now carries.</summary>
    Task<RepairActionResult> TakeDownAsync(TunnelSettings tunnel, CancellationToken cancellationToken) =>
        Task.FromResult(RepairActionResult.Ok("nothing to take down"));

    /// <summary>Problems this tunnel's set-up will meet (e.g. its endpoint name can only be resolved through the tunnel itself).</summary>
    IReadOnlyList<string> Diagnose(TunnelSettings tunnel) => [];

    /// <summary>
    /// The endpoint (host:port) re-resolve would set for this tunnel, for <see cref="Repair.RepairLadder.ApplicableTo"/>;
    /// false when this backend cannot tell (then the ladder stays as configured).
    /// </summary>
    bool TryReadConfiguredEndpoint(TunnelSettings tunnel, out string? endpoint)
    {
        endpoint = null;
        return false;
    }

    /// <summary>
    /// What the endpoint re-resolve would set (EndpointHost, else the conf's Endpoint) resolves to now, looked up
    /// inside the tunnel's namespace; <see cref="EndpointResolution.NotApplicable"/> when it gives an address or nothing.
    /// Never throws for a name that does not resolve: the result says.
    /// </summary>
    Task<EndpointResolution> ResolveEndpointAsync(TunnelSettings tunnel, CancellationToken cancellationToken) =>
        Task.FromResult(EndpointResolution.NotApplicable);

    /// <summary>Whether the tunnel's wg-quick conf declares its peer: the desired state, for tunnels found by discovery.</summary>
    bool IsDeclared(TunnelSettings tunnel) => false;
}

public sealed record RepairActionResult(bool Succeeded, string Detail)
{
    public static RepairActionResult Ok(string detail) => new(true, detail);
    public static RepairActionResult Failed(string detail) => new(false, detail);
}

/// <summary>WireGuard's state could not be read (tool missing, namespace gone, time-out, unparseable output).</summary>
public sealed class WireGuardUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
