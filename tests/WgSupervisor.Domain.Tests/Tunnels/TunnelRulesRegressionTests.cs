using WgSupervisor.Domain.Tunnels;
using Xunit;

namespace WgSupervisor.Domain.Tests.Tunnels;

/// <summary>Rules found wanting on real clusters.</summary>
public sealed class TunnelRulesRegressionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_operators_restart_is_not_withdrawn_when_the_tunnel_looks_healthy_while_it_waits_for_a_permit()
    {
        var queued = TunnelState.Initial.ApplyAll(TunnelRules.OnOperatorRestart(TunnelState.Initial with { Phase = TunnelPhase.Healthy }, Now, "alice"));

        Assert.Equal(TunnelPhase.Stale, queued.Phase);
        Assert.Empty(TunnelRules.OnVerdict(queued, new HealthVerdict.Healthy("handshake 3 s old"), Now.AddSeconds(5)));
    }

    [Fact]
    public void A_tunnel_stale_of_its_own_accord_is_withdrawn_when_it_recovers_before_a_permit()
    {
        var stale = TunnelState.Initial.Apply(new TunnelWentStale(Now, StaleReason.HandshakeTooOld, "old"));

        Assert.IsType<TunnelBecameHealthy>(Assert.Single(TunnelRules.OnVerdict(stale, new HealthVerdict.Healthy("fresh"), Now.AddSeconds(5))));
    }
}
