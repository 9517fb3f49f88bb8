using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Probing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;

namespace WgSupervisor.Domain.Tests.Diagnosing;

public sealed class HoldAndConfirmationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly ProbeSettings Probe = new(ProbeKind.Icmp, "10.251.1.2", null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 3);
    private static readonly Diagnosis Shared = new(Cause.UnderlayDown, "underlay down for 4 of 4 tunnels of node gw1", null);
    private static readonly Diagnosis Lost = new(Cause.SessionLost, "the site lost its session (probe failed)", RepairRung.ResetPeer);

    private static TunnelState StaleSince(DateTimeOffset at) =>
        TunnelState.Initial.Apply(new TunnelWentStale(at, StaleReason.ProbeFailing, "probe failed"));

    [Fact]
    public void One_missed_probe_of_a_tunnel_that_answered_before_asks_for_a_burst_and_a_silent_burst_makes_it_failing_at_once()
    {
        var status = ProbeStatus.None.Record(ProbeResult.Answered(TimeSpan.FromMilliseconds(1)), T0).Record(ProbeResult.Failed("timeout"), T0.AddSeconds(1));

        Assert.True(status.NeedsConfirmation(Probe));
        Assert.False(status.IsFailing(Probe));
        var confirmed = status.RecordConfirmation(ProbeResult.Failed("timeout"), Probe, T0.AddSeconds(2));
        Assert.True(confirmed.IsFailing(Probe));
        Assert.Contains("none of 6 quick re-probes answered", confirmed.LastError);
        Assert.False(confirmed.NeedsConfirmation(Probe));
    }

    [Fact]
    public void One_answer_in_the_burst_clears_the_miss()
    {
        var status = ProbeStatus.None.Record(ProbeResult.Answered(TimeSpan.Zero), T0).Record(ProbeResult.Failed("timeout"), T0.AddSeconds(1));

        var cleared = status.RecordConfirmation(ProbeResult.Answered(TimeSpan.FromMilliseconds(3)), Probe, T0.AddSeconds(2));

        Assert.Equal(0, cleared.ConsecutiveFailures);
        Assert.Equal(T0.AddSeconds(2), cleared.LastSuccessAt);
    }

    [Fact]
    public void No_burst_for_a_probe_that_never_answered_nor_when_bursts_are_off()
    {
        var neverAnswered = ProbeStatus.None.Record(ProbeResult.Failed("timeout"), T0);
        Assert.False(neverAnswered.NeedsConfirmation(Probe));
        var answeredOnce = ProbeStatus.None.Record(ProbeResult.Answered(TimeSpan.Zero), T0).Record(ProbeResult.Failed("timeout"), T0.AddSeconds(1));
        Assert.False(answeredOnce.NeedsConfirmation(Probe with { ConfirmProbes = 0 }));
    }

    [Fact]
    public void A_hold_keeps_the_episode_counts_no_repair_and_ends_in_healthy_when_the_tunnel_recovers()
    {
        var stale = StaleSince(T0);

        var held = stale.ApplyAll(TunnelRules.OnDiagnosedHold(stale, Shared, T0.AddSeconds(1)));

        Assert.Equal(TunnelPhase.Held, held.Phase);
        Assert.Equal(T0, held.EpisodeStartedAt);
        Assert.Equal(0, held.RepairCount);
        Assert.Empty(held.RecentRepairs);
        Assert.Equal("held: underlay down for 4 of 4 tunnels of node gw1", held.Reason);
        var recovered = TunnelRules.OnVerdict(held, new HealthVerdict.Healthy("probe answers"), T0.AddMinutes(5));
        Assert.Equal("recovered while held: probe answers", Assert.IsType<TunnelBecameHealthy>(Assert.Single(recovered)).Reason);
    }

    [Fact]
    public void A_hold_whose_evidence_cleared_makes_the_tunnel_stale_again_for_the_same_episode()
    {
        var held = StaleSince(T0).Apply(new RepairHeld(T0.AddSeconds(1), Shared.Cause, Shared.Description));

        var cleared = TunnelRules.OnHoldCleared(held, Lost, T0.AddSeconds(40));

        var stale = Assert.IsType<TunnelWentStale>(Assert.Single(cleared));
        Assert.Equal(StaleReason.ProbeFailing, stale.Reason);
        Assert.Equal("hold ended: the site lost its session (probe failed)", stale.Detail);
        Assert.Equal(T0, held.Apply(stale).EpisodeStartedAt);
        Assert.Empty(TunnelRules.OnHoldCleared(held, Shared, T0.AddSeconds(40)));
        Assert.Empty(TunnelRules.OnDiagnosedHold(held, Shared, T0.AddSeconds(40)));
    }

    [Fact]
    public void The_granted_rung_is_the_diagnosed_one_with_its_cause_and_an_operator_restart_of_a_held_tunnel_is_taken()
    {
        var stale = StaleSince(T0);
        var started = TunnelRules.OnPermitGranted(stale, new TunnelSettings { Name = "a", Interface = "wg0", PeerPublicKey = "k", WgQuickConfig = "c" },
            T0.AddSeconds(1), Lost);
        Assert.Equal((RepairRung.ResetPeer, Cause.SessionLost, Lost.Description), (started.Rung, started.Cause!.Value, started.Diagnosis));

        var held = stale.Apply(new RepairHeld(T0.AddSeconds(1), Shared.Cause, Shared.Description));
        Assert.IsType<TunnelWentStale>(Assert.Single(TunnelRules.OnOperatorRestart(held, T0.AddSeconds(2), "operator:alice")));
    }
}
