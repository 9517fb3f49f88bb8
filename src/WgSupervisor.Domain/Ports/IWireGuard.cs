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
}

public sealed record RepairActionResult(bool Succeeded, string Detail)
{
    public static RepairActionResult Ok(string detail) => new(true, detail);
    public static RepairActionResult Failed(string detail) => new(false, detail);
}

/// <summary>WireGuard's state could not be read (tool missing, namespace gone, time-out, unparseable output).</summary>
public sealed class WireGuardUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
