using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using static WgSupervisor.Domain.Tests.Support.TestTunnels;

namespace WgSupervisor.Domain.Tests.Tunnels;

/// <summary>TunnelState.Apply: what each event does to the state rebuilt from the journal.</summary>
public sealed class TunnelStateTests
{
    private static readonly TunnelState Healthy = TunnelState.Initial.Apply(new TunnelBecameHealthy(T0, "handshake 10 s old"));

    [Fact]
    public void The_initial_state_is_unknown_with_nothing_recorded()
    {
        var state = TunnelState.Initial;

        Assert.Equal(TunnelPhase.Unknown, state.Phase);
        Assert.Null(state.PhaseSince);
        Assert.Null(state.EpisodeStartedAt);
        Assert.Equal(0, state.FailedAttempts);
        Assert.Equal(1, state.NextAttempt);
        Assert.Equal(0, state.RepairCount);
        Assert.Null(state.CurrentRepair);
        Assert.Null(state.LastRepair);
        Assert.Null(state.BackoffUntil);
        Assert.Null(state.By);
    }

    [Fact]
    public void Becoming_healthy_sets_phase_since_and_reason()
    {
        Assert.Equal(TunnelPhase.Healthy, Healthy.Phase);
        Assert.Equal(T0, Healthy.PhaseSince);
        Assert.Equal("handshake 10 s old", Healthy.Reason);
        Assert.Null(Healthy.StaleReason);
    }

    [Fact]
    public void Going_stale_starts_an_episode_and_records_reason_and_detail()
    {
        var stale = Healthy.Apply(new TunnelWentStale(T0.AddMinutes(3), StaleReason.HandshakeTooOld, "handshake 181 s old"));

        Assert.Equal(TunnelPhase.Stale, stale.Phase);
        Assert.Equal(T0.AddMinutes(3), stale.PhaseSince);
        Assert.Equal(T0.AddMinutes(3), stale.EpisodeStartedAt);
        Assert.Equal(StaleReason.HandshakeTooOld, stale.StaleReason);
        Assert.Equal("handshake 181 s old", stale.Reason);
        Assert.Null(stale.By);
    }

    [Fact]
    public void Going_stale_on_an_operator_request_records_who_asked()
    {
        var stale = Healthy.Apply(new TunnelWentStale(T0.AddMinutes(1), StaleReason.OperatorRequest, "restart requested by alice", "alice"));

        Assert.Equal("alice", stale.By);
        Assert.Equal(StaleReason.OperatorRequest, stale.StaleReason);
    }

    [Fact]
    public void A_repair_start_enters_restarting_and_counts_the_repair()
    {
        var stale = Healthy.Apply(new TunnelWentStale(T0.AddMinutes(3), StaleReason.HandshakeTooOld, "old"));

        var restarting = stale.Apply(new RepairStarted(T0.AddMinutes(4), RepairRung.ResetPeer, 1, "supervisor"));

        Assert.Equal(TunnelPhase.Restarting, restarting.Phase);
        Assert.Equal(T0.AddMinutes(4), restarting.PhaseSince);
        Assert.Equal(new RepairInFlight(RepairRung.ResetPeer, 1, T0.AddMinutes(4), "supervisor"), restarting.CurrentRepair);
        Assert.Equal(1, restarting.RepairCount);
        Assert.Equal("reset-peer attempt 1", restarting.Reason);
        Assert.Equal(T0.AddMinutes(3), restarting.EpisodeStartedAt);
    }

    [Fact]
    public void A_failed_repair_closes_the_repair_counts_the_failure_and_stays_restarting_until_the_backoff()
    {
        var restarting = Restarting(T0.AddMinutes(4), RepairRung.ResetPeer, failedBefore: 0);

        var failed = restarting.Apply(new RepairFinished(T0.AddMinutes(5), RepairRung.ResetPeer, RepairOutcome.VerifyTimedOut,
            TimeSpan.FromMinutes(1), "no handshake"));

        Assert.Equal(TunnelPhase.Restarting, failed.Phase);
        Assert.Null(failed.CurrentRepair);
        Assert.Equal(1, failed.FailedAttempts);
        Assert.Equal(2, failed.NextAttempt);
        Assert.Equal(new RepairSummary(RepairRung.ResetPeer, RepairOutcome.VerifyTimedOut, T0.AddMinutes(5), TimeSpan.FromMinutes(1), "no handshake"),
            failed.LastRepair);
    }

    [Theory]
    [InlineData(RepairOutcome.ActionFailed)]
    [InlineData(RepairOutcome.VerifyTimedOut)]
    [InlineData(RepairOutcome.Interrupted)]
    public void Every_failing_outcome_adds_one_failed_attempt(RepairOutcome outcome)
    {
        var restarting = Restarting(T0, RepairRung.RestartInterface, failedBefore: 2);

        var failed = restarting.Apply(new RepairFinished(T0.AddSeconds(20), RepairRung.RestartInterface, outcome, TimeSpan.FromSeconds(20), "x"));

        Assert.Equal(3, failed.FailedAttempts);
    }

    [Fact]
    public void A_successful_repair_resets_the_failed_attempts()
    {
        var restarting = Restarting(T0, RepairRung.RestartInterface, failedBefore: 2);

        var succeeded = restarting.Apply(new RepairFinished(T0.AddSeconds(3), RepairRung.RestartInterface, RepairOutcome.Succeeded,
            TimeSpan.FromSeconds(3), "fresh handshake"));

        Assert.Equal(0, succeeded.FailedAttempts);
        Assert.Equal(RepairOutcome.Succeeded, succeeded.LastRepair?.Outcome);
    }

    [Fact]
    public void A_backoff_start_enters_backoff_with_its_deadline()
    {
        var failed = Restarting(T0, RepairRung.ResetPeer, failedBefore: 0)
            .Apply(new RepairFinished(T0.AddSeconds(20), RepairRung.ResetPeer, RepairOutcome.ActionFailed, TimeSpan.FromSeconds(20), "exit 1"));

        var backoff = failed.Apply(new BackoffStarted(T0.AddSeconds(20), T0.AddSeconds(35), 1));

        Assert.Equal(TunnelPhase.Backoff, backoff.Phase);
        Assert.Equal(T0.AddSeconds(20), backoff.PhaseSince);
        Assert.Equal(T0.AddSeconds(35), backoff.BackoffUntil);
        Assert.Equal("backoff after 1 failed repair(s)", backoff.Reason);
        Assert.Equal(1, backoff.FailedAttempts);
    }

    [Fact]
    public void The_episode_start_and_failed_attempts_are_kept_across_stale_restarting_backoff_stale()
    {
        var episodeStart = T0.AddMinutes(3);
        var state = Healthy.ApplyAll(
        [
            new TunnelWentStale(episodeStart, StaleReason.HandshakeTooOld, "old"),
            new RepairStarted(T0.AddMinutes(4), RepairRung.ReresolveEndpoint, 1, "supervisor"),
            new RepairFinished(T0.AddMinutes(5), RepairRung.ReresolveEndpoint, RepairOutcome.VerifyTimedOut, TimeSpan.FromMinutes(1), "none"),
            new BackoffStarted(T0.AddMinutes(5), T0.AddMinutes(6), 1),
        ]);
        Assert.Equal(episodeStart, state.EpisodeStartedAt);

        var again = state.Apply(new TunnelWentStale(T0.AddMinutes(6), StaleReason.BackoffElapsed, "backoff elapsed"));

        Assert.Equal(TunnelPhase.Stale, again.Phase);
        Assert.Equal(T0.AddMinutes(6), again.PhaseSince);
        Assert.Equal(episodeStart, again.EpisodeStartedAt);
        Assert.Equal(1, again.FailedAttempts);
        Assert.Equal(2, again.NextAttempt);
        Assert.Null(again.BackoffUntil);
        Assert.Equal(StaleReason.BackoffElapsed, again.StaleReason);
    }

    [Fact]
    public void Becoming_healthy_ends_the_episode_and_clears_backoff_repair_and_requester_but_keeps_history()
    {
        var state = Healthy.ApplyAll(
        [
            new TunnelWentStale(T0.AddMinutes(1), StaleReason.OperatorRequest, "restart requested by alice", "alice"),
            new RepairStarted(T0.AddMinutes(2), RepairRung.ResetPeer, 1, "alice"),
            new RepairFinished(T0.AddMinutes(3), RepairRung.ResetPeer, RepairOutcome.ActionFailed, TimeSpan.FromMinutes(1), "exit 1"),
            new BackoffStarted(T0.AddMinutes(3), T0.AddMinutes(4), 1),
        ]);

        var recovered = state.Apply(new TunnelBecameHealthy(T0.AddMinutes(3.5), "recovered during backoff"));

        Assert.Equal(TunnelPhase.Healthy, recovered.Phase);
        Assert.Equal(T0.AddMinutes(3.5), recovered.PhaseSince);
        Assert.Null(recovered.EpisodeStartedAt);
        Assert.Equal(0, recovered.FailedAttempts);
        Assert.Null(recovered.BackoffUntil);
        Assert.Null(recovered.CurrentRepair);
        Assert.Null(recovered.By);
        Assert.Null(recovered.StaleReason);
        Assert.Equal(1, recovered.RepairCount);
        Assert.Equal(RepairOutcome.ActionFailed, recovered.LastRepair?.Outcome);
    }

    [Fact]
    public void A_new_episode_after_healthy_starts_at_its_own_stale_time()
    {
        var state = Healthy.ApplyAll(
        [
            new TunnelWentStale(T0.AddMinutes(1), StaleReason.HandshakeTooOld, "old"),
            new TunnelBecameHealthy(T0.AddMinutes(2), "recovered"),
            new TunnelWentStale(T0.AddMinutes(10), StaleReason.PeerMissing, "gone"),
        ]);

        Assert.Equal(T0.AddMinutes(10), state.EpisodeStartedAt);
    }

    [Fact]
    public void The_repair_count_grows_across_episodes()
    {
        var state = TunnelState.Initial;
        for (var episode = 0; episode < 3; episode++)
        {
            var at = T0.AddHours(episode);
            state = state.ApplyAll(
            [
                new TunnelWentStale(at, StaleReason.HandshakeTooOld, "old"),
                new RepairStarted(at.AddSeconds(1), RepairRung.ResetPeer, 1, "supervisor"),
                new RepairFinished(at.AddSeconds(5), RepairRung.ResetPeer, RepairOutcome.Succeeded, TimeSpan.FromSeconds(4), "ok"),
                new TunnelBecameHealthy(at.AddSeconds(5), "repaired"),
            ]);
        }

        Assert.Equal(3, state.RepairCount);
        Assert.Equal(TunnelPhase.Healthy, state.Phase);
    }

    [Fact]
    public void The_requester_is_replaced_by_the_next_stale_event()
    {
        var state = Healthy.ApplyAll(
        [
            new TunnelWentStale(T0.AddMinutes(1), StaleReason.OperatorRequest, "restart requested by alice", "alice"),
            new RepairStarted(T0.AddMinutes(2), RepairRung.ResetPeer, 1, "alice"),
        ]);
        Assert.Equal("alice", state.By);

        var next = state.ApplyAll(
        [
            new RepairFinished(T0.AddMinutes(3), RepairRung.ResetPeer, RepairOutcome.ActionFailed, TimeSpan.FromMinutes(1), "exit 1"),
            new BackoffStarted(T0.AddMinutes(3), T0.AddMinutes(4), 1),
            new TunnelWentStale(T0.AddMinutes(4), StaleReason.BackoffElapsed, "elapsed"),
        ]);

        Assert.Null(next.By);
    }

    [Fact]
    public void The_episode_reason_is_why_the_episode_began_and_survives_a_backoff_but_not_a_new_reason_or_recovery()
    {
        var state = Healthy.ApplyAll(
        [
            new TunnelWentStale(T0.AddMinutes(1), StaleReason.InterfaceMissing, "gone"),
            new RepairStarted(T0.AddMinutes(2), RepairRung.RestartInterface, 1, "supervisor"),
            new RepairFinished(T0.AddMinutes(3), RepairRung.RestartInterface, RepairOutcome.ActionFailed, TimeSpan.FromMinutes(1), "exit 1"),
            new BackoffStarted(T0.AddMinutes(3), T0.AddMinutes(4), 1),
            new TunnelWentStale(T0.AddMinutes(4), StaleReason.BackoffElapsed, "elapsed"),
        ]);
        Assert.Equal(StaleReason.InterfaceMissing, state.EpisodeReason);
        Assert.Equal(StaleReason.BackoffElapsed, state.StaleReason);

        var operatorAsked = state.Apply(new TunnelWentStale(T0.AddMinutes(5), StaleReason.OperatorRequest, "restart requested by bob", "bob"));
        Assert.Equal(StaleReason.OperatorRequest, operatorAsked.EpisodeReason);

        Assert.Null(state.Apply(new TunnelBecameHealthy(T0.AddMinutes(6), "ok")).EpisodeReason);
    }

    [Fact]
    public void A_history_gap_changes_nothing()
    {
        var state = Restarting(T0, RepairRung.ResetPeer, failedBefore: 1);

        Assert.Same(state, state.Apply(new HistoryGap(T0.AddMinutes(1), 42, T0)));
    }

    private sealed record UnknownEvent(DateTimeOffset At) : ITunnelEvent;

    [Fact]
    public void An_unknown_event_type_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TunnelState.Initial.Apply(new UnknownEvent(T0)));
    }

    [Fact]
    public void Replaying_all_events_at_once_equals_applying_them_one_by_one_and_resuming_from_any_point()
    {
        var history = History();

        var stepwise = TunnelState.Initial;
        var intermediate = new List<TunnelState>();
        foreach (var e in history)
        {
            stepwise = stepwise.Apply(e);
            intermediate.Add(stepwise);
        }

        Assert.Equal(stepwise, TunnelState.Initial.ApplyAll(history));
        for (var split = 0; split <= history.Count; split++)
        {
            var resumed = TunnelState.Initial.ApplyAll(history.Take(split)).ApplyAll(history.Skip(split));
            Assert.Equal(stepwise, resumed);
        }
        Assert.Equal(TunnelState.Initial, TunnelState.Initial.ApplyAll([]));

        // The replayed end state is the one the scripted episode should reach.
        Assert.Equal(TunnelPhase.Healthy, stepwise.Phase);
        Assert.Equal(3, stepwise.RepairCount);
        Assert.Equal(0, stepwise.FailedAttempts);
        Assert.Null(stepwise.EpisodeStartedAt);
        Assert.Equal(RepairRung.RestartInterface, stepwise.LastRepair?.Rung);
        // And along the way the episode started once, at the first stale event.
        Assert.All(intermediate.Skip(1).Take(11), s => Assert.Equal(T0.AddMinutes(3), s.EpisodeStartedAt));
    }

    private static List<ITunnelEvent> History() =>
    [
        new TunnelBecameHealthy(T0, "handshake 5 s old"),
        new TunnelWentStale(T0.AddMinutes(3), StaleReason.HandshakeTooOld, "handshake 181 s old"),
        new RepairStarted(T0.AddMinutes(4), RepairRung.ReresolveEndpoint, 1, "supervisor"),
        new RepairFinished(T0.AddMinutes(4.5), RepairRung.ReresolveEndpoint, RepairOutcome.VerifyTimedOut, TimeSpan.FromSeconds(30), "none"),
        new BackoffStarted(T0.AddMinutes(4.5), T0.AddMinutes(5), 1),
        new TunnelWentStale(T0.AddMinutes(5), StaleReason.BackoffElapsed, "elapsed"),
        new RepairStarted(T0.AddMinutes(6), RepairRung.ResetPeer, 2, "supervisor"),
        new RepairFinished(T0.AddMinutes(6.5), RepairRung.ResetPeer, RepairOutcome.ActionFailed, TimeSpan.FromSeconds(30), "exit 1"),
        new BackoffStarted(T0.AddMinutes(6.5), T0.AddMinutes(7), 2),
        new HistoryGap(T0.AddMinutes(6.7), 3, T0.AddMinutes(6.6)),
        new TunnelWentStale(T0.AddMinutes(6.8), StaleReason.OperatorRequest, "restart requested by alice", "alice"),
        new RepairStarted(T0.AddMinutes(7), RepairRung.RestartInterface, 3, "alice"),
        new RepairFinished(T0.AddMinutes(7.2), RepairRung.RestartInterface, RepairOutcome.Succeeded, TimeSpan.FromSeconds(12), "fresh"),
        new TunnelBecameHealthy(T0.AddMinutes(7.2), "repaired by restart-interface"),
    ];

    private static TunnelState Restarting(DateTimeOffset at, RepairRung rung, int failedBefore) =>
        (TunnelState.Initial with { FailedAttempts = failedBefore })
        .Apply(new TunnelWentStale(at.AddMinutes(-1), StaleReason.HandshakeTooOld, "old"))
        .Apply(new RepairStarted(at, rung, failedBefore + 1, "supervisor"));
}
