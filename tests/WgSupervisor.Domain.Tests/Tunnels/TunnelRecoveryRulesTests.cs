using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using static WgSupervisor.Domain.Tests.Support.TestTunnels;

namespace WgSupervisor.Domain.Tests.Tunnels;

/// <summary>TunnelRules.OnRecovered: what a tunnel records when its history is read after a stop.</summary>
public sealed class TunnelRecoveryRulesTests
{
    private static readonly TunnelSettings Settings = TestTunnels.Settings(RepairRung.ResetPeer, RepairRung.RestartInterface);
    private static readonly DateTimeOffset Now = T0.AddMinutes(10);

    private static readonly TunnelState Stale = TunnelState.Initial.Apply(new TunnelWentStale(T0, StaleReason.HandshakeTooOld, "handshake 200 s old"));

    private static readonly TunnelState Restarting = Stale.Apply(new RepairStarted(T0.AddSeconds(1), RepairRung.ResetPeer, 1, TunnelRules.Supervisor));

    private static Func<double> Draws(List<double> drawn) => () =>
    {
        drawn.Add(1.0);
        return 1.0;
    };

    [Theory]
    [InlineData(TunnelPhase.Unknown)]
    [InlineData(TunnelPhase.Stale)]
    [InlineData(TunnelPhase.Backoff)]
    public void Outside_a_repair_nothing_is_recorded_and_nothing_drawn(TunnelPhase phase)
    {
        var state = phase switch
        {
            TunnelPhase.Stale => Stale,
            TunnelPhase.Backoff => Restarting
                .Apply(new RepairFinished(T0.AddSeconds(2), RepairRung.ResetPeer, RepairOutcome.ActionFailed, TimeSpan.FromSeconds(1), "failed", 1))
                .Apply(new BackoffStarted(T0.AddSeconds(2), T0.AddSeconds(3), 1)),
            _ => TunnelState.Initial,
        };
        var drawn = new List<double>();

        Assert.Empty(TunnelRules.OnRecovered(state, Settings, Now, Draws(drawn)));
        Assert.Empty(drawn);
    }

    [Fact]
    public void A_repair_in_flight_is_recorded_as_interrupted_and_backed_off()
    {
        var drawn = new List<double>();

        var events = TunnelRules.OnRecovered(Restarting, Settings, Now, Draws(drawn));

        var finished = Assert.IsType<RepairFinished>(events[0]);
        Assert.Equal(RepairOutcome.Interrupted, finished.Outcome);
        Assert.Equal(RepairRung.ResetPeer, finished.Rung);
        Assert.Equal(Now - T0.AddSeconds(1), finished.Duration);
        var backoff = Assert.IsType<BackoffStarted>(events[1]);
        Assert.Equal(1, backoff.FailedAttempts);
        Assert.True(backoff.Until > Now);
        Assert.Single(drawn);
    }

    [Fact]
    public void Restarting_with_no_repair_open_gets_the_backoff_it_missed()
    {
        var betweenFailureAndBackoff = Restarting
            .Apply(new RepairFinished(T0.AddSeconds(2), RepairRung.ResetPeer, RepairOutcome.ActionFailed, TimeSpan.FromSeconds(1), "failed", 1));

        var events = TunnelRules.OnRecovered(betweenFailureAndBackoff, Settings, Now, () => 1.0);

        var backoff = Assert.IsType<BackoffStarted>(Assert.Single(events));
        Assert.Equal(Now, backoff.At);
        Assert.Equal(1, backoff.FailedAttempts);
        Assert.True(backoff.Until > Now);
    }
}
