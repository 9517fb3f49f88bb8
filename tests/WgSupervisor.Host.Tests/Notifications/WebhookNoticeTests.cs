using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Notifications;
using Xunit;

namespace WgSupervisor.Domain.Tests.Notifications;

/// <summary>What a hold means to a webhook.</summary>
public sealed class WebhookNoticeTests
{
    private static TunnelProtocol.EventRecorded Recorded(ITunnelEvent e, TunnelPhase before) =>
        new("berlin", "gw1", "wg0", "nF1tVvDOAQ0S5tLk1lYNx1q0yq2VxXgKxV+7zmF0ukE=", "berlin", e, before);

    [Fact]
    public void A_hold_is_a_held_notice_naming_its_cause_and_diagnosis()
    {
        var notice = WebhookNotice.From(Recorded(new RepairHeld(Summaries.T0, Cause.UnderlayDown, "underlay down for 4 of 4 tunnels"), TunnelPhase.Stale));

        Assert.NotNull(notice);
        Assert.Equal(("held", "underlay-down: underlay down for 4 of 4 tunnels"), (notice.Event, notice.Detail));
        Assert.Equal(("berlin", "gw1", Summaries.T0), (notice.Tunnel, notice.Node, notice.At));
    }

    [Fact]
    public void A_held_tunnel_that_recovers_is_a_recovered_notice()
    {
        var notice = WebhookNotice.From(Recorded(new TunnelBecameHealthy(Summaries.T0, "handshake fresh"), TunnelPhase.Held));

        Assert.Equal("recovered", notice?.Event);
    }

    [Fact]
    public void Held_is_a_kind_a_webhook_may_ask_for_but_not_one_of_the_defaults()
    {
        var reader = new SettingsReader();

        var hooks = WebhookSection.Read(reader, WgSupervisor.Domain.Tests.Configuration.SectionInput.Json("""
            { "Webhooks": [ { "Url": "http://127.0.0.1:9000/a", "Events": [ "held" ] }, { "Url": "http://127.0.0.1:9000/b" } ] }
            """).GetSection("Webhooks"), environmentSecret: null);

        Assert.Empty(reader.Problems);
        Assert.Equal(["held"], hooks[0].Events);
        Assert.DoesNotContain("held", hooks[1].Events);
    }
}
