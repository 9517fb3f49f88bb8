using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using static WgSupervisor.Domain.Tests.Support.TestTunnels;

namespace WgSupervisor.Domain.Tests.Tunnels;

/// <summary>TunnelRules: which events each happening records, for every phase.</summary>
public sealed class TunnelRulesTests
{
    private static readonly DateTimeOffset Now = T0.AddHours(2);

    private static readonly TunnelSettings ThreeRungs =
        TestTunnels.Settings(RepairRung.ReresolveEndpoint, RepairRung.ResetPeer, RepairRung.RestartInterface) with
        {
            Backoff = new BackoffPolicy(TimeSpan.FromSeconds(10), 2, TimeSpan.FromMinutes(5)),
        };

    private static TunnelState InPhase(TunnelPhase phase) => TunnelState.Initial with { Phase = phase, PhaseSince = T0 };

    private static HealthVerdict Verdict(string kind) => kind switch
    {
        "healthy" => new HealthVerdict.Healthy("handshake 12 s old"),
        "stale" => new HealthVerdict.Stale(StaleReason.HandshakeTooOld, "handshake 200 s old"),
        "undecided" => new HealthVerdict.Undecided("waiting for a first handshake"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [InlineData(TunnelPhase.Unknown, "healthy", "healthy:handshake 12 s old")]
    [InlineData(TunnelPhase.Unknown, "stale", "stale")]
    [InlineData(TunnelPhase.Unknown, "undecided", "none")]
    [InlineData(TunnelPhase.Healthy, "healthy", "none")]
    [InlineData(TunnelPhase.Healthy, "stale", "stale")]
    [InlineData(TunnelPhase.Healthy, "undecided", "none")]
    [InlineData(TunnelPhase.Stale, "healthy", "healthy:recovered before a repair: handshake 12 s old")]
    [InlineData(TunnelPhase.Stale, "stale", "none")]
    [InlineData(TunnelPhase.Stale, "undecided", "none")]
    [InlineData(TunnelPhase.Restarting, "healthy", "none")]
    [InlineData(TunnelPhase.Restarting, "stale", "none")]
    [InlineData(TunnelPhase.Restarting, "undecided", "none")]
    [InlineData(TunnelPhase.Backoff, "healthy", "healthy:recovered during backoff: handshake 12 s old")]
    [InlineData(TunnelPhase.Backoff, "stale", "none")]
    [InlineData(TunnelPhase.Backoff, "undecided", "none")]
    public void OnVerdict_records_what_each_phase_and_verdict_call_for(TunnelPhase phase, string verdict, string expected)
    {
        var events = TunnelRules.OnVerdict(InPhase(phase), Verdict(verdict), Now);

        if (expected == "none")
        {
            Assert.Empty(events);
        }
        else if (expected == "stale")
        {
            var stale = Assert.IsType<TunnelWentStale>(Assert.Single(events));
            Assert.Equal(new TunnelWentStale(Now, StaleReason.HandshakeTooOld, "handshake 200 s old"), stale);
        }
        else
        {
            var healthy = Assert.IsType<TunnelBecameHealthy>(Assert.Single(events));
            Assert.Equal(new TunnelBecameHealthy(Now, expected["healthy:".Length..]), healthy);
        }
    }

    [Theory]
    [InlineData(0, RepairRung.ReresolveEndpoint)]
    [InlineData(1, RepairRung.ResetPeer)]
    [InlineData(2, RepairRung.RestartInterface)]
    [InlineData(3, RepairRung.RestartInterface)] // the top rung repeats
    [InlineData(50, RepairRung.RestartInterface)]
    public void OnPermitGranted_starts_the_rung_the_attempt_has_reached(int failedAttempts, RepairRung expected)
    {
        var state = InPhase(TunnelPhase.Stale) with { FailedAttempts = failedAttempts };

        var started = TunnelRules.OnPermitGranted(state, ThreeRungs, Now);

        Assert.Equal(new RepairStarted(Now, expected, failedAttempts + 1, TunnelRules.Supervisor), started);
    }

    [Fact]
    public void OnPermitGranted_names_the_operator_who_asked()
    {
        var state = InPhase(TunnelPhase.Stale) with { By = "alice" };

        Assert.Equal("alice", TunnelRules.OnPermitGranted(state, ThreeRungs, Now).By);
    }

    [Fact]
    public void A_single_rung_ladder_uses_its_rung_for_every_attempt()
    {
        var settings = TestTunnels.Settings(RepairRung.ResetPeer);

        for (var failed = 0; failed < 5; failed++)
            Assert.Equal(RepairRung.ResetPeer, TunnelRules.OnPermitGranted(InPhase(TunnelPhase.Stale) with { FailedAttempts = failed }, settings, Now).Rung);
    }

    [Fact]
    public void OnRepairVerified_finishes_the_repair_as_succeeded_with_its_duration_and_makes_the_tunnel_healthy()
    {
        var state = Restarting(RepairRung.ResetPeer, startedAt: Now.AddSeconds(-7), failedBefore: 1);

        var events = TunnelRules.OnRepairVerified(state, Now, "handshake 1 s old");

        Assert.Collection(events,
            e => Assert.Equal(new RepairFinished(Now, RepairRung.ResetPeer, RepairOutcome.Succeeded, TimeSpan.FromSeconds(7), "handshake 1 s old", Attempt: 2), e),
            e => Assert.Equal(new TunnelBecameHealthy(Now, "repaired by reset-peer: handshake 1 s old"), e));
        var after = state.ApplyAll(events);
        Assert.Equal(TunnelPhase.Healthy, after.Phase);
        Assert.Equal(0, after.FailedAttempts);
    }

    [Fact]
    public void OnRepairVerified_without_a_repair_in_flight_is_a_programming_error()
    {
        Assert.Throws<InvalidOperationException>(() => TunnelRules.OnRepairVerified(InPhase(TunnelPhase.Stale), Now, "x"));
    }

    [Theory]
    [InlineData(RepairOutcome.ActionFailed, 2, 0.0, 1)]   // attempt 3: the first failure on the top rung
    [InlineData(RepairOutcome.VerifyTimedOut, 3, 0.5, 2)]
    [InlineData(RepairOutcome.Interrupted, 4, 1.0, 3)]
    public void OnRepairFailed_on_the_top_rung_backs_off_exponentially_in_the_failures_on_that_rung(
        RepairOutcome outcome, int failedBefore, double draw, int failuresOnTopRung)
    {
        var state = Restarting(RepairRung.RestartInterface, startedAt: Now.AddSeconds(-20), failedBefore);

        var events = TunnelRules.OnRepairFailed(state, ThreeRungs, outcome, "no handshake", Now, draw);

        var failed = failedBefore + 1;
        Assert.Collection(events,
            e => Assert.Equal(new RepairFinished(Now, RepairRung.RestartInterface, outcome, TimeSpan.FromSeconds(20), "no handshake", Attempt: failed), e),
            e => Assert.Equal(new BackoffStarted(Now, Now + ThreeRungs.Backoff.Delay(failuresOnTopRung, draw), failed), e));
        var after = state.ApplyAll(events);
        Assert.Equal(TunnelPhase.Backoff, after.Phase);
        Assert.Equal(failed, after.FailedAttempts);
    }

    [Theory]
    [InlineData(RepairRung.ReresolveEndpoint, 0)]
    [InlineData(RepairRung.ResetPeer, 1)]
    public void OnRepairFailed_below_the_top_waits_only_the_escalation_delay_before_the_next_untried_rung(RepairRung rung, int failedBefore)
    {
        var state = Restarting(rung, startedAt: Now.AddSeconds(-3), failedBefore);

        var events = TunnelRules.OnRepairFailed(state, ThreeRungs, RepairOutcome.VerifyTimedOut, "none", Now, 1.0);

        var backoff = Assert.IsType<BackoffStarted>(events[1]);
        Assert.Equal(Now + TimeSpan.FromSeconds(1), backoff.Until);
        Assert.Equal(Now + ThreeRungs.Backoff.EscalationDelay, backoff.Until);
        Assert.Equal(failedBefore + 1, backoff.FailedAttempts);
    }

    [Fact]
    public void OnRepairFailed_uses_the_backoff_bounds_of_the_tunnel()
    {
        var state = Restarting(RepairRung.RestartInterface, startedAt: Now, failedBefore: 4); // third failure on the top rung: bound 40 s

        var atZero = Assert.IsType<BackoffStarted>(TunnelRules.OnRepairFailed(state, ThreeRungs, RepairOutcome.ActionFailed, "x", Now, 0)[1]);
        var atOne = Assert.IsType<BackoffStarted>(TunnelRules.OnRepairFailed(state, ThreeRungs, RepairOutcome.ActionFailed, "x", Now, 1)[1]);

        Assert.Equal(Now.AddSeconds(4), atZero.Until);
        Assert.Equal(Now.AddSeconds(40), atOne.Until);
    }

    [Fact]
    public void With_a_single_rung_every_failure_grows_the_backoff()
    {
        var single = TestTunnels.Settings(RepairRung.ResetPeer);
        var untils = Enumerable.Range(0, 4)
            .Select(failedBefore => Restarting(RepairRung.ResetPeer, Now, failedBefore))
            .Select(state => Assert.IsType<BackoffStarted>(TunnelRules.OnRepairFailed(state, single, RepairOutcome.VerifyTimedOut, "x", Now, 1)[1]).Until)
            .ToList();

        Assert.Equal([Now.AddSeconds(10), Now.AddSeconds(20), Now.AddSeconds(40), Now.AddSeconds(80)], untils);
    }

    [Fact]
    public void OnRepairFailed_refuses_a_succeeded_outcome()
    {
        var state = Restarting(RepairRung.ResetPeer, startedAt: Now, failedBefore: 0);

        Assert.Throws<ArgumentException>(() => TunnelRules.OnRepairFailed(state, ThreeRungs, RepairOutcome.Succeeded, "x", Now, 0.5));
    }

    [Fact]
    public void OnRepairFailed_without_a_repair_in_flight_is_a_programming_error()
    {
        Assert.Throws<InvalidOperationException>(() =>
            TunnelRules.OnRepairFailed(InPhase(TunnelPhase.Restarting), ThreeRungs, RepairOutcome.ActionFailed, "x", Now, 0.5));
    }

    [Theory]
    [InlineData(0, 1)] // defensive: a backoff always counts at least one failure
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    public void OnBackoffMissing_starts_the_backoff_the_crash_skipped(int failedAttempts, int expectedCount)
    {
        var state = InPhase(TunnelPhase.Restarting) with { FailedAttempts = failedAttempts };

        var backoff = TunnelRules.OnBackoffMissing(state, ThreeRungs, Now, 1.0);

        Assert.Equal(new BackoffStarted(Now, Now + ThreeRungs.Backoff.Bound(expectedCount), expectedCount), backoff);
    }

    [Fact]
    public void OnBackoffElapsed_makes_the_tunnel_stale_again_and_names_the_next_rung()
    {
        var state = InPhase(TunnelPhase.Backoff) with { FailedAttempts = 1 };

        var stale = TunnelRules.OnBackoffElapsed(state, ThreeRungs, Now);

        Assert.Equal(Now, stale.At);
        Assert.Equal(StaleReason.BackoffElapsed, stale.Reason);
        Assert.Null(stale.By);
        Assert.Contains("after 1 failed repair(s)", stale.Detail, StringComparison.Ordinal);
        Assert.Contains("next rung reset-peer", stale.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TunnelPhase.Unknown)]
    [InlineData(TunnelPhase.Healthy)]
    [InlineData(TunnelPhase.Backoff)]
    public void OnOperatorRestart_is_honoured_when_no_repair_is_queued_or_running(TunnelPhase phase)
    {
        var events = TunnelRules.OnOperatorRestart(InPhase(phase), Now, "alice");

        Assert.Equal(new TunnelWentStale(Now, StaleReason.OperatorRequest, "restart requested by alice", "alice"), Assert.Single(events));
    }

    [Theory]
    [InlineData(TunnelPhase.Stale)]
    [InlineData(TunnelPhase.Restarting)]
    public void OnOperatorRestart_joins_neither_a_queued_nor_a_running_repair(TunnelPhase phase)
    {
        Assert.Empty(TunnelRules.OnOperatorRestart(InPhase(phase), Now, "alice"));
    }

    [Fact]
    public void A_whole_episode_climbs_the_ladder_then_starts_again_at_the_bottom()
    {
        var state = TunnelState.Initial;
        var now = T0;
        void Record(params ITunnelEvent[] events) => state = state.ApplyAll(events);

        Record([.. TunnelRules.OnVerdict(state, new HealthVerdict.Healthy("ok"), now)]);
        Record([.. TunnelRules.OnVerdict(state, new HealthVerdict.Stale(StaleReason.HandshakeTooOld, "old"), now = now.AddMinutes(5))]);
        var episodeStart = now;
        var rungs = new List<RepairRung>();
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var started = TunnelRules.OnPermitGranted(state, ThreeRungs, now = now.AddSeconds(1));
            rungs.Add(started.Rung);
            Assert.Equal(attempt, started.Attempt);
            Record(started);
            Record([.. TunnelRules.OnRepairFailed(state, ThreeRungs, RepairOutcome.VerifyTimedOut, "none", now = now.AddSeconds(20), 0.5)]);
            Assert.Equal(TunnelPhase.Backoff, state.Phase);
            Record(TunnelRules.OnBackoffElapsed(state, ThreeRungs, now = state.BackoffUntil!.Value));
            Assert.Equal(episodeStart, state.EpisodeStartedAt);
        }
        Assert.Equal([RepairRung.ReresolveEndpoint, RepairRung.ResetPeer, RepairRung.RestartInterface, RepairRung.RestartInterface], rungs);

        Record(TunnelRules.OnPermitGranted(state, ThreeRungs, now = now.AddSeconds(1)));
        Record([.. TunnelRules.OnRepairVerified(state, now = now.AddSeconds(3), "fresh")]);
        Assert.Equal(TunnelPhase.Healthy, state.Phase);
        Assert.Equal(5, state.RepairCount);

        Record([.. TunnelRules.OnVerdict(state, new HealthVerdict.Stale(StaleReason.HandshakeTooOld, "old"), now = now.AddHours(1))]);
        Assert.Equal(RepairRung.ReresolveEndpoint, TunnelRules.OnPermitGranted(state, ThreeRungs, now).Rung);
    }

    [Theory]
    [InlineData(StaleReason.HandshakeTooOld, 0, RepairRung.ReresolveEndpoint)]
    [InlineData(StaleReason.NeverHandshaken, 0, RepairRung.ReresolveEndpoint)]
    [InlineData(StaleReason.PeerMissing, 0, RepairRung.ResetPeer)] // re-resolving cannot bring a peer back
    [InlineData(StaleReason.PeerMissing, 1, RepairRung.ResetPeer)]
    [InlineData(StaleReason.InterfaceMissing, 0, RepairRung.RestartInterface)] // only an interface-wide rung can act
    [InlineData(StaleReason.InterfaceMissing, 1, RepairRung.RestartInterface)]
    public void The_rung_skips_what_cannot_help_with_why_the_tunnel_is_stale(StaleReason reason, int failedAttempts, RepairRung expected)
    {
        var state = TunnelState.Initial.ApplyAll([new TunnelWentStale(Now, reason, "x")]) with { FailedAttempts = failedAttempts };

        Assert.Equal(expected, TunnelRules.OnPermitGranted(state, ThreeRungs, Now).Rung);
    }

    [Fact]
    public void Without_a_rung_that_can_help_the_top_rung_is_used()
    {
        var ladder = TestTunnels.Settings(RepairRung.ReresolveEndpoint, RepairRung.ResetPeer);
        var state = TunnelState.Initial.Apply(new TunnelWentStale(Now, StaleReason.InterfaceMissing, "gone"));

        Assert.Equal(RepairRung.ResetPeer, TunnelRules.OnPermitGranted(state, ladder, Now).Rung);
    }

    [Fact]
    public void After_a_backoff_the_rung_still_fits_why_the_episode_began()
    {
        var state = TunnelState.Initial.ApplyAll(
        [
            new TunnelWentStale(Now, StaleReason.PeerMissing, "gone"),
            new RepairStarted(Now.AddSeconds(1), RepairRung.ResetPeer, 1, TunnelRules.Supervisor),
            new RepairFinished(Now.AddSeconds(21), RepairRung.ResetPeer, RepairOutcome.VerifyTimedOut, TimeSpan.FromSeconds(20), "none"),
            new BackoffStarted(Now.AddSeconds(21), Now.AddSeconds(31), 1),
        ]);
        var elapsed = TunnelRules.OnBackoffElapsed(state, ThreeRungs, Now.AddSeconds(31));
        state = state.Apply(elapsed);

        Assert.Equal(StaleReason.PeerMissing, state.EpisodeReason);
        Assert.Equal(RepairRung.ResetPeer, TunnelRules.OnPermitGranted(state, ThreeRungs, Now.AddSeconds(32)).Rung);
        Assert.Contains("next rung reset-peer", elapsed.Detail, StringComparison.Ordinal);
    }

    private static TunnelState Restarting(RepairRung rung, DateTimeOffset startedAt, int failedBefore) =>
        InPhase(TunnelPhase.Restarting) with
        {
            FailedAttempts = failedBefore,
            EpisodeStartedAt = startedAt.AddMinutes(-1),
            CurrentRepair = new RepairInFlight(rung, failedBefore + 1, startedAt, TunnelRules.Supervisor),
        };
}
