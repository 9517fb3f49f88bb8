using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Probing;

namespace WgSupervisor.WireGuard.Simulation;

/// <summary>
/// The prober of a simulated world: its peers' addresses are made up (192.0.2.0/24), so no packet is ever sent to them.
/// Every probe and ping is unanswered, as a site-wide outage of the simulation looks from outside.
/// </summary>
public sealed class SimulatedWorldProber : IProber
{
    public Task<ProbeResult> ProbeAsync(string? networkNamespace, ProbeSettings probe, CancellationToken cancellationToken) =>
        Task.FromResult(ProbeResult.Failed($"simulated world: no packet is sent to {probe.Address}"));
}
