using WgSupervisor.Domain.Probing;

namespace WgSupervisor.Domain.Ports;

/// <summary>Sends one probe through a tunnel, from inside the tunnel's network namespace. Never throws for a failed probe.</summary>
public interface IProber
{
    Task<ProbeResult> ProbeAsync(string? networkNamespace, ProbeSettings probe, CancellationToken cancellationToken);
}
