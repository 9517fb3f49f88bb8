using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;

namespace WgSupervisor.Domain.Tests.Diagnosing;

public sealed class DiagnosticianTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A stale tunnel whose interface, peer, endpoint and underlay all look fine: the default ladder.</summary>
    private static readonly Evidence Sound = new()
    {
        Interface = "wg0",
        InterfacePresent = true,
        PeerPresent = true,
        CurrentEndpoint = "10.250.1.2:51820",
        Resolution = EndpointResolution.Resolved("site1.lab:51820", ["10.250.1.2"]),
        LatestHandshake = Now.AddSeconds(-30),
        Symptom = "probe failed 3 times in a row",
        Ladder = RepairLadder.Default,
        LadderPositionRung = RepairRung.ReresolveEndpoint,
    };

    private static RepairSummary Failed(RepairRung rung, RepairOutcome outcome, DateTimeOffset startedAt) =>
        new(rung, outcome, startedAt.AddSeconds(3), TimeSpan.FromSeconds(3), "not verified");

    [Fact]
    public void A_site_that_restarted_lost_its_session_and_gets_a_peer_reset_not_a_reresolve()
    {
        var diagnosis = Diagnostician.Diagnose(Sound);
        Assert.Equal(Cause.SessionLost, diagnosis.Cause);
        Assert.Equal(RepairRung.ResetPeer, diagnosis.Rung);
        Assert.Contains("lost its session", diagnosis.Description);
    }

    [Fact]
    public void A_name_that_now_resolves_elsewhere_is_an_endpoint_move_repaired_by_reresolve()
    {
        var diagnosis = Diagnostician.Diagnose(Sound with { Resolution = EndpointResolution.Resolved("site1.lab:51820", ["10.250.1.3"]) });
        Assert.Equal(Cause.EndpointMoved, diagnosis.Cause);
        Assert.Equal(RepairRung.ReresolveEndpoint, diagnosis.Rung);
        Assert.Contains("moved to 10.250.1.3", diagnosis.Description);
    }

    [Fact]
    public void An_endpoint_move_without_reresolve_in_the_ladder_resets_the_peer_which_resolves_the_name_again()
    {
        var diagnosis = Diagnostician.Diagnose(Sound with
        {
            Resolution = EndpointResolution.Resolved("site1.lab:51820", ["10.250.1.3"]),
            Ladder = [RepairRung.ResetPeer, RepairRung.RestartInterface],
        });
        Assert.Equal((Cause.EndpointMoved, RepairRung.ResetPeer), (diagnosis.Cause, diagnosis.Rung!.Value));
    }

    [Fact]
    public void A_name_that_does_not_resolve_is_no_evidence_of_a_move()
    {
        var diagnosis = Diagnostician.Diagnose(Sound with { Resolution = EndpointResolution.Failed("site1.lab:51820", "site1.lab does not resolve") });
        Assert.Equal(Cause.SessionLost, diagnosis.Cause);
    }

    [Fact]
    public void A_gone_interface_is_restarted_at_once_whatever_else_is_known()
    {
        var diagnosis = Diagnostician.Diagnose(Sound with { InterfacePresent = false, PeerPresent = false, UnderlayAnswers = false });
        Assert.Equal((Cause.InterfaceGone, RepairRung.RestartInterface), (diagnosis.Cause, diagnosis.Rung!.Value));
    }

    [Fact]
    public void A_gone_interface_with_a_ladder_that_cannot_bring_it_up_is_held_and_says_so()
    {
        var diagnosis = Diagnostician.Diagnose(Sound with { InterfacePresent = false, Ladder = [RepairRung.ResetPeer] });
        Assert.True(diagnosis.Holds);
        Assert.Contains("no rung of the ladder", diagnosis.Description);
    }

    [Fact]
    public void A_missing_peer_is_added_back_by_a_peer_reset()
    {
        var diagnosis = Diagnostician.Diagnose(Sound with { PeerPresent = false });
        Assert.Equal((Cause.PeerMissing, RepairRung.ResetPeer), (diagnosis.Cause, diagnosis.Rung!.Value));
    }

    [Fact]
    public void An_underlay_probe_without_answer_holds_every_repair()
    {
        var diagnosis = Diagnostician.Diagnose(Sound with { UnderlayAnswers = false, UnderlayTarget = "10.250.1.2", UnderlayProbeConfigured = true });
        Assert.True(diagnosis.Holds);
        Assert.Equal(Cause.UnderlayDown, diagnosis.Cause);
        Assert.Contains("10.250.1.2 does not answer", diagnosis.Description);
    }

    [Fact]
    public void Silence_of_a_ping_the_operator_did_not_configure_holds_nothing_on_its_own()
    {
        // Pinged only to test a shared cause that has since gone: many sites drop pings, so silence says nothing.
        var diagnosis = Diagnostician.Diagnose(Sound with { UnderlayAnswers = false, UnderlayTarget = "10.250.1.2" });
        Assert.Equal((Cause.SessionLost, RepairRung.ResetPeer), (diagnosis.Cause, diagnosis.Rung!.Value));
    }

    [Fact]
    public void A_shared_cause_whose_site_answers_a_ping_is_repaired_and_the_description_says_why_it_is_not_held()
    {
        var shared = new SharedCause("node gw1", 4, 4);
        var repaired = Diagnostician.Diagnose(Sound with { SharedCause = shared, UnderlayAnswers = true, UnderlayTarget = "10.250.1.2" });
        Assert.Equal((Cause.SessionLost, RepairRung.ResetPeer), (repaired.Cause, repaired.Rung!.Value));
        Assert.Contains("not the shared outage of node gw1: 10.250.1.2 answers outside the tunnel", repaired.Description);

        var held = Diagnostician.Diagnose(Sound with { SharedCause = shared, UnderlayAnswers = false, UnderlayTarget = "10.250.1.2" });
        Assert.True(held.Holds);
        Assert.Equal("underlay down for 4 of 4 tunnels of node gw1; 10.250.1.2 does not answer pings either", held.Description);
    }

    [Fact]
    public void A_shared_cause_holds_unless_the_tunnels_own_underlay_probe_answers()
    {
        var shared = new SharedCause("node gw1", 4, 4);
        var held = Diagnostician.Diagnose(Sound with { SharedCause = shared });
        Assert.True(held.Holds);
        Assert.Equal("underlay down for 4 of 4 tunnels of node gw1", held.Description);

        var repaired = Diagnostician.Diagnose(Sound with { SharedCause = shared, UnderlayAnswers = true });
        Assert.Equal((Cause.SessionLost, RepairRung.ResetPeer), (repaired.Cause, repaired.Rung!.Value));
    }

    [Fact]
    public void A_peer_reset_whose_fresh_handshake_went_unanswered_holds_instead_of_restarting_the_interface()
    {
        var started = Now.AddSeconds(-4);
        var diagnosis = Diagnostician.Diagnose(Sound with
        {
            FailedRepair = Failed(RepairRung.ResetPeer, RepairOutcome.VerifyTimedOut, started),
            LatestHandshake = null,
            LadderPositionRung = RepairRung.RestartInterface,
        });
        Assert.True(diagnosis.Holds);
        Assert.Equal(Cause.SiteUnreachable, diagnosis.Cause);
    }

    [Fact]
    public void A_peer_reset_answered_by_a_handshake_while_traffic_still_fails_climbs_to_the_interface()
    {
        var started = Now.AddSeconds(-4);
        var diagnosis = Diagnostician.Diagnose(Sound with
        {
            FailedRepair = Failed(RepairRung.ResetPeer, RepairOutcome.VerifyTimedOut, started),
            LatestHandshake = started.AddSeconds(1),
        });
        Assert.Equal((Cause.TrafficBlocked, RepairRung.RestartInterface), (diagnosis.Cause, diagnosis.Rung!.Value));
    }

    [Fact]
    public void An_interface_restart_that_did_not_help_climbs_by_the_ladder_position()
    {
        var started = Now.AddSeconds(-25);
        var diagnosis = Diagnostician.Diagnose(Sound with
        {
            FailedRepair = Failed(RepairRung.RestartInterface, RepairOutcome.VerifyTimedOut, started),
            LatestHandshake = started.AddSeconds(1),
            Ladder = [.. RepairLadder.Default, RepairRung.Command],
            LadderPositionRung = RepairRung.Command,
        });
        Assert.Equal((Cause.TrafficBlocked, RepairRung.Command), (diagnosis.Cause, diagnosis.Rung!.Value));
    }

    [Fact]
    public void An_interface_restart_whose_handshake_went_unanswered_goes_on_by_the_ladder_rather_than_holding()
    {
        var diagnosis = Diagnostician.Diagnose(Sound with
        {
            FailedRepair = Failed(RepairRung.RestartInterface, RepairOutcome.VerifyTimedOut, Now.AddSeconds(-25)),
            LatestHandshake = null,
            Ladder = [RepairRung.RestartInterface],
            LadderPositionRung = RepairRung.RestartInterface,
        });
        Assert.Equal((Cause.SiteUnreachable, RepairRung.RestartInterface), (diagnosis.Cause, diagnosis.Rung!.Value));
    }

    [Fact]
    public void A_rung_whose_action_could_not_run_is_skipped_for_the_next_that_fits()
    {
        var diagnosis = Diagnostician.Diagnose(Sound with { FailedRepair = Failed(RepairRung.ResetPeer, RepairOutcome.ActionFailed, Now.AddSeconds(-4)) });
        Assert.Equal((Cause.SessionLost, RepairRung.RestartInterface), (diagnosis.Cause, diagnosis.Rung!.Value));
    }

    [Fact]
    public void The_operators_ladder_is_respected_when_it_holds_no_rung_for_the_cause()
    {
        var diagnosis = Diagnostician.Diagnose(Sound with { Ladder = [RepairRung.ReresolveEndpoint], LadderPositionRung = RepairRung.ReresolveEndpoint });
        Assert.Equal(RepairRung.ReresolveEndpoint, diagnosis.Rung);
    }

    [Theory]
    [InlineData("10.250.1.2:51820", true)]
    [InlineData("10.250.1.3:51820", false)]
    [InlineData("[2001:db8::1]:51820", false)]
    [InlineData(null, false)]
    public void Resolution_compares_addresses_not_text(string? endpoint, bool included) =>
        Assert.Equal(included, EndpointResolution.Resolved("site1.lab:51820", ["10.250.1.2", "2001:db8::2"]).Includes(endpoint));
}
