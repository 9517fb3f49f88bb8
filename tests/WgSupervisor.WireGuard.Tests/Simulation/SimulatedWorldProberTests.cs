using WgSupervisor.Domain.Probing;
using WgSupervisor.WireGuard.Simulation;
using Xunit;

namespace WgSupervisor.WireGuard.Tests.Simulation;

/// <summary>A simulated world's made-up addresses get no packet: every probe, burst and underlay ping is unanswered.</summary>
public sealed class SimulatedWorldProberTests
{
    private static readonly ProbeSettings Ping = new(ProbeKind.Icmp, "192.0.2.7", null, ProbeSettings.DefaultInterval, TimeSpan.FromSeconds(1), 3);

    [Fact]
    public async Task A_probe_and_a_confirming_burst_are_unanswered_and_say_why()
    {
        Domain.Ports.IProber prober = new SimulatedWorldProber();

        var single = await prober.ProbeAsync(null, Ping, CancellationToken.None);
        var burst = await prober.ConfirmAsync(null, Ping with { Kind = ProbeKind.Tcp, Port = 80 }, 3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1),
            CancellationToken.None);

        Assert.Equal(ProbeResult.Failed("simulated world: no packet is sent to 192.0.2.7"), single);
        Assert.Equal(ProbeResult.Failed("simulated world: no packet is sent to 192.0.2.7"), burst);
    }
}
