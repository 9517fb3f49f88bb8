using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Probing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using static WgSupervisor.Domain.Tests.Support.TestTunnels;

namespace WgSupervisor.Domain.Tests.Tunnels;

/// <summary>TunnelWatch: what a tunnel's supervisor keeps beside its phase, and the summary it makes of it.</summary>
public sealed class TunnelWatchTests
{
    private const string Node = "gw1";
    private static readonly TunnelSettings Plain = TestTunnels.Settings() with { StaleAfter = TimeSpan.FromSeconds(180) };
    private static readonly ProbeSettings Icmp = new(ProbeKind.Icmp, "10.251.0.2", null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 3);
    private static readonly TunnelSettings Probed = Plain with { Probe = Icmp };

    private static TunnelWatch Watch(TunnelSettings? settings = null, IReadOnlyList<string>? setupWarnings = null, int samplesKept = TunnelWatch.SamplesKept) =>
        new(settings ?? Plain, Node, setupWarnings ?? [], samplesKept);

    private static TunnelObservation Seen(DateTimeOffset at, DateTimeOffset? handshake, long rx = 100, long tx = 200, int? keepalive = 25) =>
        new(at, InterfacePresent: true, new PeerStatus(Plain.PeerPublicKey, "192.0.2.1:51820", ["10.251.0.0/24"], handshake, rx, tx, keepalive));

    private static TunnelObservation InterfaceGone(DateTimeOffset at) => new(at, InterfacePresent: false, Peer: null);

    // ---- Samples ------------------------------------------------------------------------------------

    [Fact]
    public void Samples_are_kept_oldest_first_up_to_the_bound_and_the_oldest_are_dropped()
    {
        var watch = Watch(samplesKept: 3);

        for (var second = 0; second < 5; second++) watch.Observe(Seen(T0.AddSeconds(second), T0), TunnelPhase.Healthy, T0.AddSeconds(second));

        Assert.Equal([T0.AddSeconds(2), T0.AddSeconds(3), T0.AddSeconds(4)], watch.Samples.Select(s => s.At));
    }

    [Fact]
    public void By_default_an_hour_of_five_second_polls_is_kept()
    {
        var watch = Watch();

        for (var poll = 0; poll < TunnelWatch.SamplesKept + 80; poll++)
            watch.Observe(Seen(T0.AddSeconds(5 * poll), T0), TunnelPhase.Healthy, T0.AddSeconds(5 * poll));

        var samples = watch.Samples;
        Assert.Equal(720, samples.Count);
        Assert.Equal(T0.AddSeconds(5 * 80), samples[0].At);
        Assert.Equal(T0.AddSeconds(5 * (TunnelWatch.SamplesKept + 79)), samples[^1].At);
        Assert.True(samples.Zip(samples.Skip(1)).All(pair => pair.Item1.At < pair.Item2.At), "samples out of order");
    }

    [Fact]
    public void A_sample_holds_the_handshake_age_to_a_tenth_of_a_second_the_counters_and_the_phase_then()
    {
        var watch = Watch();

        watch.Observe(Seen(T0.AddSeconds(10), T0.AddMilliseconds(-2_345), rx: 7, tx: 9), TunnelPhase.Stale, T0.AddSeconds(10));
        watch.Observe(Seen(T0.AddSeconds(20), handshake: null), TunnelPhase.Unknown, T0.AddSeconds(20));
        // A handshake stamped after the observation (clocks disagree) is not a negative age.
        watch.Observe(Seen(T0.AddSeconds(30), T0.AddSeconds(31)), TunnelPhase.Healthy, T0.AddSeconds(30));
        watch.Observe(InterfaceGone(T0.AddSeconds(40)), TunnelPhase.Healthy, T0.AddSeconds(40));

        Assert.Equal(
            [
                new TunnelSample(T0.AddSeconds(10), 12.3, 7, 9, TunnelPhase.Stale),
                new TunnelSample(T0.AddSeconds(20), null, 100, 200, TunnelPhase.Unknown),
                new TunnelSample(T0.AddSeconds(30), 0, 100, 200, TunnelPhase.Healthy),
                new TunnelSample(T0.AddSeconds(40), null, 0, 0, TunnelPhase.Healthy),
            ],
            watch.Samples);
    }

    [Fact]
    public void Judging_the_last_observation_again_adds_no_sample_but_a_new_observation_does()
    {
        var watch = Watch();
        var observation = Seen(T0, T0.AddSeconds(-5));

        watch.Judge(observation, TunnelPhase.Unknown, T0);
        watch.Judge(observation, TunnelPhase.Healthy, T0.AddSeconds(1));
        Assert.Single(watch.Samples);

        watch.Judge(observation with { }, TunnelPhase.Healthy, T0.AddSeconds(2));
        Assert.Equal(2, watch.Samples.Count);
    }

    [Fact]
    public void A_ring_needs_room_for_one_sample() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleRing(0));

    // ---- Traffic and idleness -----------------------------------------------------------------------

    [Fact]
    public void Traffic_is_tracked_from_the_first_peer_seen_and_records_when_the_counters_grew()
    {
        var watch = Watch();
        Assert.Null(watch.Traffic);

        watch.Observe(InterfaceGone(T0), TunnelPhase.Unknown, T0);
        Assert.Null(watch.Traffic);

        watch.Observe(Seen(T0.AddSeconds(5), T0, rx: 100, tx: 200), TunnelPhase.Unknown, T0.AddSeconds(5));
        Assert.Equal(T0.AddSeconds(5), watch.Traffic!.FirstSeenAt);
        Assert.Null(watch.Traffic.TxLastGrewAt);

        watch.Observe(Seen(T0.AddSeconds(10), T0, rx: 100, tx: 300), TunnelPhase.Healthy, T0.AddSeconds(10));
        Assert.Equal(T0.AddSeconds(10), watch.Traffic.TxLastGrewAt);
        Assert.Null(watch.Traffic.RxLastGrewAt);

        // A poll without the peer keeps what is known about its counters.
        watch.Observe(InterfaceGone(T0.AddSeconds(15)), TunnelPhase.Healthy, T0.AddSeconds(15));
        Assert.Equal(300, watch.Traffic.TxBytes);
    }

    [Fact]
    public void An_old_handshake_on_a_tunnel_without_keepalive_that_sent_nothing_is_judged_idle_and_warned_about()
    {
        var watch = Watch();
        var now = T0.AddHours(1);

        var verdict = watch.Judge(Seen(now, now.AddMinutes(-30), keepalive: null), TunnelPhase.Healthy, now);

        Assert.Equal(HealthRules.IdleDetail, Assert.IsType<HealthVerdict.Undecided>(verdict).Detail);
        Assert.Equal(HealthRules.IdleDetail, watch.Verdict);
        Assert.Contains(watch.Warnings(), w => w.Contains("cannot be judged", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_old_handshake_is_stale_once_the_tunnel_sends_without_a_new_one()
    {
        var watch = Watch();
        var now = T0.AddHours(1);
        var handshake = now.AddMinutes(-30);
        watch.Judge(Seen(now, handshake, tx: 200, keepalive: null), TunnelPhase.Healthy, now);

        var verdict = watch.Judge(Seen(now.AddSeconds(5), handshake, tx: 900, keepalive: null), TunnelPhase.Healthy, now.AddSeconds(5));

        Assert.Equal(StaleReason.HandshakeTooOld, Assert.IsType<HealthVerdict.Stale>(verdict).Reason);
        Assert.DoesNotContain(watch.Warnings(), w => w.Contains("cannot be judged", StringComparison.Ordinal));
    }

    // ---- The first handshake ------------------------------------------------------------------------

    [Fact]
    public void The_wait_for_a_first_handshake_counts_from_when_the_peer_was_first_seen_without_one()
    {
        var watch = Watch();

        watch.Observe(Seen(T0, handshake: null), TunnelPhase.Unknown, T0.AddSeconds(1));
        watch.Observe(Seen(T0.AddSeconds(5), handshake: null), TunnelPhase.Unknown, T0.AddSeconds(6));

        Assert.Equal(T0.AddSeconds(1), watch.NeverHandshakenSince);
        Assert.IsType<HealthVerdict.Undecided>(watch.Judge(Seen(T0.AddSeconds(181), null), TunnelPhase.Unknown, T0.AddSeconds(181)));
        var stale = Assert.IsType<HealthVerdict.Stale>(watch.Judge(Seen(T0.AddSeconds(182), null), TunnelPhase.Unknown, T0.AddSeconds(182)));
        Assert.Equal(StaleReason.NeverHandshaken, stale.Reason);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_wait_ends_with_a_handshake_or_a_poll_without_the_peer_and_starts_again_after(bool handshakeSeen)
    {
        var watch = Watch();
        watch.Observe(Seen(T0, handshake: null), TunnelPhase.Unknown, T0);

        watch.Observe(handshakeSeen ? Seen(T0.AddSeconds(5), T0.AddSeconds(4)) : InterfaceGone(T0.AddSeconds(5)), TunnelPhase.Unknown, T0.AddSeconds(5));
        Assert.Null(watch.NeverHandshakenSince);

        watch.Observe(Seen(T0.AddSeconds(10), handshake: null), TunnelPhase.Unknown, T0.AddSeconds(10));
        Assert.Equal(T0.AddSeconds(10), watch.NeverHandshakenSince);
    }

    // ---- Probes -------------------------------------------------------------------------------------

    [Fact]
    public void Without_a_probe_configured_none_is_started_and_none_is_summarized()
    {
        var watch = Watch();

        Assert.False(watch.TryStartProbe());
        Assert.Null(watch.Summary(TunnelState.Initial).Probe);
    }

    [Fact]
    public void One_probe_at_a_time_and_none_through_a_missing_interface()
    {
        var watch = Watch(Probed);

        Assert.True(watch.TryStartProbe());
        Assert.False(watch.TryStartProbe());
        watch.RecordProbe(ProbeResult.Answered(TimeSpan.FromMilliseconds(3)), T0);
        Assert.True(watch.TryStartProbe());
        watch.RecordProbe(ProbeResult.Failed("timeout"), T0.AddSeconds(2));

        watch.Observe(InterfaceGone(T0.AddSeconds(3)), TunnelPhase.Healthy, T0.AddSeconds(3));
        Assert.False(watch.TryStartProbe());
        watch.Observe(Seen(T0.AddSeconds(4), T0), TunnelPhase.Healthy, T0.AddSeconds(4));
        Assert.True(watch.TryStartProbe());
    }

    [Fact]
    public void Recording_a_probe_tells_when_it_answers_for_the_first_time_only()
    {
        var watch = Watch(Probed);

        Assert.False(watch.RecordProbe(ProbeResult.Failed("timeout"), T0));
        Assert.True(watch.RecordProbe(ProbeResult.Answered(TimeSpan.FromMilliseconds(3)), T0.AddSeconds(2)));
        Assert.False(watch.RecordProbe(ProbeResult.Answered(TimeSpan.FromMilliseconds(3)), T0.AddSeconds(4)));
        Assert.False(watch.RecordProbe(ProbeResult.Failed("timeout"), T0.AddSeconds(6)));
        Assert.False(watch.RecordProbe(ProbeResult.Answered(TimeSpan.FromMilliseconds(3)), T0.AddSeconds(8)));
    }

    [Fact]
    public void The_probe_summary_says_nothing_before_a_result_then_the_last_outcome_and_the_failures()
    {
        var watch = Watch(Probed);
        Assert.Equal(new ProbeSummary("icmp 10.251.0.2", null, 0, null, null), watch.ProbeSummary());

        watch.RecordProbe(ProbeResult.Answered(TimeSpan.FromMilliseconds(3)), T0);
        Assert.Equal(new ProbeSummary("icmp 10.251.0.2", true, 0, T0, null), watch.ProbeSummary());

        watch.RecordProbe(ProbeResult.Failed("timeout"), T0.AddSeconds(2));
        watch.RecordProbe(ProbeResult.Failed("no route"), T0.AddSeconds(4));
        Assert.Equal(new ProbeSummary("icmp 10.251.0.2", false, 2, T0, "no route"), watch.ProbeSummary());
    }

    [Fact]
    public void A_failing_probe_makes_the_tunnel_stale_only_once_it_has_answered()
    {
        var watch = Watch(Probed);
        var observation = Seen(T0, T0.AddSeconds(-5));
        for (var i = 0; i < Icmp.FailuresBeforeStale; i++) watch.RecordProbe(ProbeResult.Failed("timeout"), T0);
        Assert.IsType<HealthVerdict.Healthy>(watch.Judge(observation, TunnelPhase.Healthy, T0));

        watch.RecordProbe(ProbeResult.Answered(TimeSpan.FromMilliseconds(3)), T0);
        for (var i = 0; i < Icmp.FailuresBeforeStale; i++) watch.RecordProbe(ProbeResult.Failed("timeout"), T0);

        Assert.Equal(StaleReason.ProbeFailing, Assert.IsType<HealthVerdict.Stale>(watch.Judge(observation, TunnelPhase.Healthy, T0)).Reason);
    }

    // ---- Repairs ------------------------------------------------------------------------------------

    [Fact]
    public void Without_a_probe_a_repair_is_verified_by_a_handshake_newer_than_the_one_before_it()
    {
        var watch = Watch();
        var before = T0.AddSeconds(-200);
        watch.Observe(Seen(T0, before), TunnelPhase.Stale, T0);
        watch.RepairStarting();
        Assert.Equal(before, watch.HandshakeBeforeRepair);

        Assert.False(watch.IsRepairVerified(Seen(T0.AddSeconds(1), before), repairStartedAt: T0));
        var fresh = Seen(T0.AddSeconds(2), T0.AddSeconds(1));
        Assert.True(watch.IsRepairVerified(fresh, repairStartedAt: T0));
        Assert.Equal($"fresh handshake at {T0.AddSeconds(1):O}", watch.VerifiedBy(fresh));
        Assert.Equal("no fresh handshake", watch.NotVerifiedBecause);
    }

    [Fact]
    public void With_a_probe_a_repair_is_verified_by_an_answer_after_it_whatever_the_handshake()
    {
        var watch = Watch(Probed);
        var observation = Seen(T0.AddSeconds(3), T0.AddSeconds(-200));
        watch.Observe(observation, TunnelPhase.Restarting, T0.AddSeconds(3));
        watch.RecordProbe(ProbeResult.Failed("timeout"), T0.AddSeconds(1));

        Assert.False(watch.IsRepairVerified(observation, repairStartedAt: T0));
        Assert.Equal("the probe did not answer (timeout)", watch.NotVerifiedBecause);

        watch.RecordProbe(ProbeResult.Answered(TimeSpan.FromMilliseconds(3)), T0.AddSeconds(2));
        Assert.True(watch.IsRepairVerified(observation, repairStartedAt: T0));
        Assert.Equal("probe icmp 10.251.0.2 answered", watch.VerifiedBy(observation));
    }

    // ---- Warnings -----------------------------------------------------------------------------------

    [Fact]
    public void With_nothing_to_add_the_set_up_warnings_are_shown_as_given()
    {
        IReadOnlyList<string> setup = ["StaleAfter 100 s is below 135 s"];
        var watch = Watch(setupWarnings: setup);

        watch.Judge(Seen(T0, T0.AddSeconds(-5)), TunnelPhase.Unknown, T0);

        Assert.Same(setup, watch.Warnings());
    }

    [Fact]
    public void Only_the_latest_notes_are_shown_after_the_set_up_warnings()
    {
        var watch = Watch(setupWarnings: ["set-up"]);

        for (var note = 1; note <= 7; note++) watch.Note($"note {note}");

        Assert.Equal(["set-up", "note 3", "note 4", "note 5", "note 6", "note 7"], watch.Warnings());
    }

    [Fact]
    public void A_probe_that_never_answered_is_warned_about_once_it_failed_enough_and_not_after_it_answers()
    {
        var watch = Watch(Probed);
        for (var i = 1; i < Icmp.FailuresBeforeStale; i++) watch.RecordProbe(ProbeResult.Failed("timeout"), T0);
        Assert.Empty(watch.Warnings());

        watch.RecordProbe(ProbeResult.Failed("timeout"), T0);
        var warning = Assert.Single(watch.Warnings());
        Assert.Contains("icmp 10.251.0.2 has never answered", warning, StringComparison.Ordinal);

        watch.RecordProbe(ProbeResult.Answered(TimeSpan.FromMilliseconds(3)), T0);
        for (var i = 0; i < Icmp.FailuresBeforeStale; i++) watch.RecordProbe(ProbeResult.Failed("timeout"), T0);
        Assert.Empty(watch.Warnings());
    }

    [Fact]
    public void The_warnings_stay_the_same_list_while_their_content_does_so_that_an_unchanged_summary_is_equal()
    {
        var watch = Watch();
        watch.Note("budget unavailable");
        var first = watch.Warnings();

        Assert.Same(first, watch.Warnings());
        Assert.Equal(watch.Summary(TunnelState.Initial), watch.Summary(TunnelState.Initial));

        watch.Note("name conflict");
        Assert.NotSame(first, watch.Warnings());
        Assert.NotEqual(first, watch.Warnings());
    }

    // ---- The summary --------------------------------------------------------------------------------

    [Fact]
    public void The_summary_takes_identity_from_the_settings_phase_and_repairs_from_the_state_and_the_rest_from_the_watch()
    {
        var settings = Probed with { Namespace = "site-ns" };
        var watch = Watch(settings, setupWarnings: ["set-up"]);
        var observation = new TunnelObservation(T0.AddSeconds(30), InterfacePresent: true,
            new PeerStatus(settings.PeerPublicKey, "192.0.2.7:51820", ["10.251.0.0/24"], T0.AddSeconds(20), 1_000, 2_000, 25));
        watch.RecordProbe(ProbeResult.Answered(TimeSpan.FromMilliseconds(3)), T0.AddSeconds(29));
        watch.Judge(observation, TunnelPhase.Restarting, T0.AddSeconds(30));
        var state = TunnelState.Initial
            .Apply(new TunnelWentStale(T0, StaleReason.HandshakeTooOld, "handshake 200 s old"))
            .Apply(new RepairStarted(T0.AddSeconds(1), RepairRung.ResetPeer, 1, TunnelRules.Supervisor))
            .Apply(new RepairFinished(T0.AddSeconds(2), RepairRung.ResetPeer, RepairOutcome.ActionFailed, TimeSpan.FromSeconds(1), "no such peer", 1))
            .Apply(new BackoffStarted(T0.AddSeconds(2), T0.AddSeconds(12), 1))
            .Apply(new TunnelQuarantined(T0.AddSeconds(3), T0.AddMinutes(15), "too many repairs"));
        watch.Diagnosed(new Diagnosis(Cause.SessionLost, "the site lost its session", RepairRung.ResetPeer));

        var summary = watch.Summary(state);

        Assert.Equal(new TunnelSummary(
            Name: settings.Name,
            Node: Node,
            Namespace: "site-ns",
            Interface: settings.Interface,
            PeerPublicKey: settings.PeerPublicKey,
            Site: settings.Site,
            Phase: TunnelPhase.Quarantined,
            PhaseSince: T0.AddSeconds(3),
            Reason: "too many repairs",
            LatestHandshake: T0.AddSeconds(20),
            RxBytes: 1_000,
            TxBytes: 2_000,
            Endpoint: "192.0.2.7:51820",
            InterfacePresent: true,
            ObservedAt: T0.AddSeconds(30),
            RepairCount: 1,
            CurrentRepair: null,
            LastRepair: new RepairSummary(RepairRung.ResetPeer, RepairOutcome.ActionFailed, T0.AddSeconds(2), TimeSpan.FromSeconds(1), "no such peer"),
            BackoffUntil: null,
            Verdict: "probe answers; handshake 10 s old",
            Probe: new ProbeSummary("icmp 10.251.0.2", true, 0, T0.AddSeconds(29), null),
            Warnings: summary.Warnings,
            QuarantinedUntil: T0.AddMinutes(15),
            Cause: "session-lost",
            Diagnosis: "the site lost its session",
            EpisodeStartedAt: T0), summary);
        Assert.Equal(["set-up"], summary.WarningsOrEmpty);
    }

    [Fact]
    public void Before_any_observation_the_summary_shows_no_peer_and_no_interface()
    {
        var summary = Watch().Summary(TunnelState.Initial);

        Assert.Equal(TunnelPhase.Unknown, summary.Phase);
        Assert.False(summary.InterfacePresent);
        Assert.Null(summary.ObservedAt);
        Assert.Null(summary.LatestHandshake);
        Assert.Null(summary.Endpoint);
        Assert.Equal(0, summary.RxBytes);
        Assert.Equal(0, summary.TxBytes);
        Assert.Null(summary.Verdict);
    }

    [Fact]
    public void A_repair_in_flight_and_a_backoff_deadline_are_shown_from_the_state()
    {
        var watch = Watch();
        var restarting = TunnelState.Initial
            .Apply(new TunnelWentStale(T0, StaleReason.InterfaceMissing, "interface wg0 is missing"))
            .Apply(new RepairStarted(T0.AddSeconds(1), RepairRung.RestartInterface, 1, "alice"));
        Assert.Equal(new RepairInFlight(RepairRung.RestartInterface, 1, T0.AddSeconds(1), "alice"), watch.Summary(restarting).CurrentRepair);

        var backingOff = restarting
            .Apply(new RepairFinished(T0.AddSeconds(5), RepairRung.RestartInterface, RepairOutcome.VerifyTimedOut, TimeSpan.FromSeconds(4), "no fresh handshake", 1))
            .Apply(new BackoffStarted(T0.AddSeconds(5), T0.AddSeconds(15), 1));
        var summary = watch.Summary(backingOff);
        Assert.Equal(TunnelPhase.Backoff, summary.Phase);
        Assert.Equal(T0.AddSeconds(15), summary.BackoffUntil);
        Assert.Null(summary.CurrentRepair);
        Assert.Null(summary.QuarantinedUntil);
    }
}
