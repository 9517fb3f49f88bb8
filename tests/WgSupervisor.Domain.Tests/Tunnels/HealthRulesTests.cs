using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Probing;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Domain.Tests.Support;
using Xunit;
using static WgSupervisor.Domain.Tests.Support.TestTunnels;

namespace WgSupervisor.Domain.Tests.Tunnels;

public sealed class HealthRulesTests
{
    private static readonly TunnelSettings Settings = TestTunnels.Settings() with { StaleAfter = TimeSpan.FromSeconds(180) };
    private static readonly DateTimeOffset Now = T0.AddHours(1);
    private static readonly DateTimeOffset SupervisionStart = T0;

    private static TunnelObservation WithHandshake(DateTimeOffset? handshake) =>
        new(Now, InterfacePresent: true, new PeerStatus(Settings.PeerPublicKey, "192.0.2.1:51820", ["10.0.0.0/24"], handshake, 1, 2, 25));

    [Fact]
    public void A_missing_interface_is_stale_whatever_else_was_seen()
    {
        var observation = WithHandshake(Now) with { InterfacePresent = false };

        var verdict = Assert.IsType<HealthVerdict.Stale>(HealthRules.Judge(observation, Settings, Now, SupervisionStart));

        Assert.Equal(StaleReason.InterfaceMissing, verdict.Reason);
        Assert.Contains("wg0", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_peer_on_a_present_interface_is_stale()
    {
        var observation = new TunnelObservation(Now, InterfacePresent: true, Peer: null);

        var verdict = Assert.IsType<HealthVerdict.Stale>(HealthRules.Judge(observation, Settings, Now, SupervisionStart));

        Assert.Equal(StaleReason.PeerMissing, verdict.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(179)]
    [InlineData(180)] // exactly at the threshold: still waiting
    public void A_peer_that_never_handshook_is_undecided_within_the_grace(int secondsWaited)
    {
        var verdict = HealthRules.Judge(WithHandshake(null), Settings, Now, Now.AddSeconds(-secondsWaited));

        var undecided = Assert.IsType<HealthVerdict.Undecided>(verdict);
        Assert.Contains($"{secondsWaited} s", undecided.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(180.001)]
    [InlineData(181)]
    [InlineData(86400)]
    public void A_peer_that_never_handshook_is_stale_after_the_grace(double secondsWaited)
    {
        var verdict = HealthRules.Judge(WithHandshake(null), Settings, Now, Now.AddSeconds(-secondsWaited));

        Assert.Equal(StaleReason.NeverHandshaken, Assert.IsType<HealthVerdict.Stale>(verdict).Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(125)]
    [InlineData(180)] // exactly at the threshold: still healthy
    public void A_handshake_no_older_than_StaleAfter_is_healthy(double ageSeconds)
    {
        var verdict = HealthRules.Judge(WithHandshake(Now.AddSeconds(-ageSeconds)), Settings, Now, SupervisionStart);

        var healthy = Assert.IsType<HealthVerdict.Healthy>(verdict);
        Assert.Contains($"{(long)ageSeconds} s", healthy.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(180.001)]
    [InlineData(181)]
    [InlineData(3600)]
    public void A_handshake_older_than_StaleAfter_is_stale(double ageSeconds)
    {
        var verdict = HealthRules.Judge(WithHandshake(Now.AddSeconds(-ageSeconds)), Settings, Now, SupervisionStart);

        var stale = Assert.IsType<HealthVerdict.Stale>(verdict);
        Assert.Equal(StaleReason.HandshakeTooOld, stale.Reason);
        Assert.Contains("threshold 180 s", stale.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_threshold_comes_from_the_tunnel_settings()
    {
        var strict = Settings with { StaleAfter = TimeSpan.FromSeconds(60) };

        Assert.IsType<HealthVerdict.Stale>(HealthRules.Judge(WithHandshake(Now.AddSeconds(-61)), strict, Now, SupervisionStart));
        Assert.IsType<HealthVerdict.Healthy>(HealthRules.Judge(WithHandshake(Now.AddSeconds(-61)), Settings, Now, SupervisionStart));
    }

    [Fact]
    public void A_handshake_from_the_future_is_healthy_with_age_zero()
    {
        var verdict = HealthRules.Judge(WithHandshake(Now.AddSeconds(30)), Settings, Now, SupervisionStart);

        Assert.Equal("handshake 0 s old", Assert.IsType<HealthVerdict.Healthy>(verdict).Detail);
    }

    // ---- Probes, receive stalls and idle tunnels ----

    private static readonly ProbeSettings Probe = new(ProbeKind.Icmp, "10.0.0.1", null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 3);
    private static readonly TunnelSettings Probed = Settings with { Probe = Probe };

    private static ProbeStatus ProbeAfter(params bool[] answers)
    {
        var status = ProbeStatus.None;
        var at = Now.AddMinutes(-1);
        foreach (var answered in answers)
            status = status.Record(answered ? ProbeResult.Answered(TimeSpan.FromMilliseconds(3)) : ProbeResult.Failed("timed out"), at = at.AddSeconds(2));
        return status;
    }

    private static TunnelObservation Idle(DateTimeOffset? handshake) =>
        new(Now, InterfacePresent: true, new PeerStatus(Settings.PeerPublicKey, "192.0.2.1:51820", ["10.0.0.0/24"], handshake, 100, 200, null));

    /// <summary>Counters seen since supervision started; tx grew last at <paramref name="txGrewSecondsAgo"/> (null: never).</summary>
    private static TrafficHistory Traffic(double? txGrewSecondsAgo, double? rxGrewSecondsAgo = null, long txAtRxChange = 200) =>
        new(100, 200, rxGrewSecondsAgo is { } rx ? Now.AddSeconds(-rx) : null, txGrewSecondsAgo is { } tx ? Now.AddSeconds(-tx) : null,
            SupervisionStart, txAtRxChange);

    [Fact]
    public void A_probe_failing_K_times_after_it_once_answered_is_stale_even_with_a_fresh_handshake()
    {
        var verdict = HealthRules.Judge(WithHandshake(Now.AddSeconds(-5)), Probed, Now, SupervisionStart, ProbeAfter(true, false, false, false));

        var stale = Assert.IsType<HealthVerdict.Stale>(verdict);
        Assert.Equal(StaleReason.ProbeFailing, stale.Reason);
        Assert.Contains("3 times", stale.Detail, StringComparison.Ordinal);
        Assert.Contains("timed out", stale.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_probe_failing_fewer_than_K_times_does_not_make_the_tunnel_stale()
    {
        var verdict = HealthRules.Judge(WithHandshake(Now.AddSeconds(-5)), Probed, Now, SupervisionStart, ProbeAfter(true, false, false));

        Assert.IsType<HealthVerdict.Healthy>(verdict);
    }

    [Fact]
    public void A_probe_that_never_answered_is_a_config_problem_not_a_reason_to_restart()
    {
        var verdict = HealthRules.Judge(WithHandshake(Now.AddSeconds(-5)), Probed, Now, SupervisionStart, ProbeAfter(false, false, false, false, false));

        Assert.IsType<HealthVerdict.Healthy>(verdict);
    }

    [Fact]
    public void Probe_failures_count_only_when_the_tunnel_has_a_probe_configured()
    {
        var verdict = HealthRules.Judge(WithHandshake(Now.AddSeconds(-5)), Settings, Now, SupervisionStart, ProbeAfter(true, false, false, false));

        Assert.IsType<HealthVerdict.Healthy>(verdict);
    }

    [Fact]
    public void Sending_without_receiving_for_the_stall_window_is_a_receive_stall()
    {
        var settings = Settings with { ReceiveStallAfter = TimeSpan.FromSeconds(60) };
        var traffic = Traffic(txGrewSecondsAgo: 5, rxGrewSecondsAgo: 90, txAtRxChange: 150);

        var verdict = HealthRules.Judge(WithHandshake(Now.AddSeconds(-5)), settings, Now, SupervisionStart, traffic: traffic);

        Assert.Equal(StaleReason.ReceiveStall, Assert.IsType<HealthVerdict.Stale>(verdict).Reason);
    }

    [Fact]
    public void A_receive_stall_is_not_judged_unless_configured_or_before_its_window()
    {
        var stalled = Traffic(txGrewSecondsAgo: 5, rxGrewSecondsAgo: 90, txAtRxChange: 150);
        var recent = Traffic(txGrewSecondsAgo: 5, rxGrewSecondsAgo: 30, txAtRxChange: 150);
        var windowed = Settings with { ReceiveStallAfter = TimeSpan.FromSeconds(60) };

        Assert.IsType<HealthVerdict.Healthy>(HealthRules.Judge(WithHandshake(Now.AddSeconds(-5)), Settings, Now, SupervisionStart, traffic: stalled));
        Assert.IsType<HealthVerdict.Healthy>(HealthRules.Judge(WithHandshake(Now.AddSeconds(-5)), windowed, Now, SupervisionStart, traffic: recent));
    }

    [Fact]
    public void An_idle_tunnel_with_an_old_handshake_is_left_alone()
    {
        var verdict = HealthRules.Judge(Idle(Now.AddHours(-3)), Settings, Now, SupervisionStart, traffic: Traffic(txGrewSecondsAgo: null));

        Assert.Equal(HealthRules.IdleDetail, Assert.IsType<HealthVerdict.Undecided>(verdict).Detail);
    }

    [Fact]
    public void An_idle_tunnel_that_never_handshook_is_left_alone_after_the_grace()
    {
        var verdict = HealthRules.Judge(Idle(null), Settings, Now, Now.AddHours(-1), traffic: Traffic(txGrewSecondsAgo: 3600));

        Assert.Equal(HealthRules.IdleDetail, Assert.IsType<HealthVerdict.Undecided>(verdict).Detail);
    }

    [Fact]
    public void A_tunnel_without_keepalive_that_sent_after_its_session_was_due_for_renewal_owes_a_handshake()
    {
        // Sent 131 s after the handshake: past REKEY_AFTER_TIME + REKEY_TIMEOUT (125 s), WireGuard would have rekeyed.
        var verdict = HealthRules.Judge(Idle(Now.AddSeconds(-181)), Settings, Now, SupervisionStart, traffic: Traffic(txGrewSecondsAgo: 50));

        Assert.Equal(StaleReason.HandshakeTooOld, Assert.IsType<HealthVerdict.Stale>(verdict).Reason);
    }

    [Fact]
    public void A_tunnel_without_keepalive_that_sent_only_while_its_session_was_fresh_is_idle()
    {
        // The passive keepalive 10 s after a ping, then silence: no handshake is owed, however old the last one.
        var verdict = HealthRules.Judge(Idle(Now.AddSeconds(-181)), Settings, Now, SupervisionStart, traffic: Traffic(txGrewSecondsAgo: 171));

        Assert.Equal(HealthRules.IdleDetail, Assert.IsType<HealthVerdict.Undecided>(verdict).Detail);
    }

    [Fact]
    public void A_tunnel_without_keepalive_but_with_a_probe_owes_a_handshake()
    {
        // The last probe failed (one failure, below K): the probe proves nothing now, so handshake age decides.
        var verdict = HealthRules.Judge(Idle(Now.AddSeconds(-181)), Probed, Now, SupervisionStart, ProbeAfter(true, false), Traffic(txGrewSecondsAgo: null));

        Assert.Equal(StaleReason.HandshakeTooOld, Assert.IsType<HealthVerdict.Stale>(verdict).Reason);
    }

    [Fact]
    public void A_probe_that_answers_makes_the_tunnel_healthy_however_old_its_handshake()
    {
        var verdict = HealthRules.Judge(Idle(Now.AddSeconds(-181)), Probed, Now, SupervisionStart, ProbeAfter(false, true), Traffic(txGrewSecondsAgo: 1));

        Assert.Equal("probe answers; handshake 181 s old", Assert.IsType<HealthVerdict.Healthy>(verdict).Detail);
    }

    [Fact]
    public void Without_traffic_history_no_tunnel_counts_as_idle()
    {
        var verdict = HealthRules.Judge(Idle(Now.AddSeconds(-181)), Settings, Now, SupervisionStart);

        Assert.Equal(StaleReason.HandshakeTooOld, Assert.IsType<HealthVerdict.Stale>(verdict).Reason);
    }

    [Fact]
    public void An_idle_tunnel_with_a_recent_handshake_is_healthy()
    {
        var verdict = HealthRules.Judge(Idle(Now.AddSeconds(-30)), Settings, Now, SupervisionStart, traffic: Traffic(txGrewSecondsAgo: null));

        Assert.IsType<HealthVerdict.Healthy>(verdict);
    }

    [Fact]
    public void A_repair_is_verified_by_a_fresh_handshake_when_there_is_no_probe()
    {
        var before = Now.AddMinutes(-4);

        Assert.True(HealthRules.IsRepairVerified(WithHandshake(Now.AddSeconds(2)), Settings, Now, before, probe: null));
        Assert.False(HealthRules.IsRepairVerified(WithHandshake(before), Settings, Now, before, probe: null));
    }

    [Fact]
    public void A_repair_of_a_probed_tunnel_is_verified_by_a_probe_answered_after_it_not_by_a_handshake()
    {
        var answeredAfter = ProbeStatus.None.Record(ProbeResult.Answered(TimeSpan.FromMilliseconds(2)), Now.AddSeconds(3));
        var answeredBefore = ProbeStatus.None.Record(ProbeResult.Answered(TimeSpan.FromMilliseconds(2)), Now.AddSeconds(-3));

        Assert.True(HealthRules.IsRepairVerified(WithHandshake(null), Probed, Now, null, answeredAfter));
        Assert.False(HealthRules.IsRepairVerified(WithHandshake(Now.AddSeconds(2)), Probed, Now, null, answeredBefore));
    }

    [Fact]
    public void A_repair_is_not_verified_while_the_interface_or_the_peer_is_missing()
    {
        var answered = ProbeStatus.None.Record(ProbeResult.Answered(TimeSpan.FromMilliseconds(2)), Now.AddSeconds(3));

        Assert.False(HealthRules.IsRepairVerified(WithHandshake(Now.AddSeconds(2)) with { InterfacePresent = false }, Probed, Now, null, answered));
        Assert.False(HealthRules.IsRepairVerified(new TunnelObservation(Now, true, null), Probed, Now, null, answered));
    }

    [Fact]
    public void Without_a_handshake_nothing_is_fresh()
    {
        Assert.False(HealthRules.IsFreshSince(null, Now, null));
        Assert.False(HealthRules.IsFreshSince(null, Now, Now.AddMinutes(-5)));
    }

    [Fact]
    public void A_handshake_in_the_same_whole_second_as_the_repair_start_counts_because_the_dump_truncates()
    {
        var repairStartedAt = Now.AddMilliseconds(700);

        Assert.True(HealthRules.IsFreshSince(Now, repairStartedAt, handshakeBeforeRepair: null));
        Assert.True(HealthRules.IsFreshSince(Now, repairStartedAt, handshakeBeforeRepair: Now.AddMinutes(-3)));
    }

    [Fact]
    public void A_handshake_in_the_second_before_the_repair_started_does_not_count()
    {
        var repairStartedAt = Now.AddMilliseconds(700);

        Assert.False(HealthRules.IsFreshSince(Now.AddSeconds(-1), repairStartedAt, handshakeBeforeRepair: null));
    }

    [Fact]
    public void A_handshake_after_the_start_counts_only_when_newer_than_the_one_seen_before_the_repair()
    {
        var repairStartedAt = Now;
        var before = Now.AddSeconds(5); // e.g. the tunnel handshook by itself while the action ran

        Assert.False(HealthRules.IsFreshSince(before, repairStartedAt, before));
        Assert.False(HealthRules.IsFreshSince(before.AddSeconds(-1), repairStartedAt, before));
        Assert.True(HealthRules.IsFreshSince(before.AddSeconds(1), repairStartedAt, before));
    }

    [Fact]
    public void A_handshake_after_the_start_counts_when_there_was_none_before()
    {
        Assert.True(HealthRules.IsFreshSince(Now.AddSeconds(3), Now, handshakeBeforeRepair: null));
    }

    [Theory]
    [InlineData(-5, "0 s")]
    [InlineData(0, "0 s")]
    [InlineData(179.9, "179 s")]
    [InlineData(180, "180 s")]
    public void Seconds_are_whole_and_never_negative(double seconds, string expected)
    {
        Assert.Equal(expected, HealthRules.Seconds(TimeSpan.FromSeconds(seconds)));
    }
}
