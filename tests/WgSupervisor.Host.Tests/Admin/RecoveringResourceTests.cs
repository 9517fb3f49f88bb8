using System.Text.Json;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Admin;
using Xunit;

namespace WgSupervisor.Domain.Tests.Admin;

/// <summary>A tunnel still recovering reads "recovering" in the API — never a default state — with the journal's state beside it once read.</summary>
public sealed class RecoveringResourceTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly TunnelSettings Settings = new()
    {
        Name = "berlin", Interface = "wg0", PeerPublicKey = "nF1tVvDOAQ0S5tLk1lYNx1q0yq2VxXgKxV+7zmF0ukE=", WgQuickConfig = "/etc/wireguard/wg0.conf",
    };

    [Fact]
    public void A_tunnel_whose_history_is_being_read_is_recovering_with_no_last_known_state()
    {
        var json = Json(TunnelResource.From(TunnelSummary.NotYetObserved(Settings, "gw1"), Summaries.T0));

        Assert.Equal("recovering", json.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("lastKnownState").ValueKind);
        Assert.Equal("reading its history from the journal", json.GetProperty("reason").GetString());
    }

    [Fact]
    public void A_tunnel_recovered_but_not_yet_observed_is_recovering_with_the_journals_state_beside_it()
    {
        var summary = Summaries.Of("berlin", TunnelPhase.Quarantined) with { Recovering = true, ObservedAt = null };

        var json = Json(TunnelResource.From(summary, Summaries.T0));

        Assert.Equal(("recovering", "quarantined"), (json.GetProperty("state").GetString(), json.GetProperty("lastKnownState").GetString()));
    }

    [Fact]
    public void An_observed_tunnel_shows_its_own_state_and_no_last_known_one()
    {
        var json = Json(TunnelResource.From(Summaries.Of("berlin", TunnelPhase.Healthy), Summaries.T0));

        Assert.Equal("healthy", json.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("lastKnownState").ValueKind);
    }

    [Fact]
    public void Through_the_cluster_view_a_recovering_tunnel_stays_recovering_and_one_on_a_down_node_reads_node_down()
    {
        var recovering = Summaries.Of("berlin", TunnelPhase.Stale) with { Recovering = true };

        var up = TunnelResource.From(new TunnelView(recovering, NodeStatus.Up, Summaries.T0, []), Summaries.T0);
        var down = TunnelResource.From(new TunnelView(Summaries.Of("paris", TunnelPhase.Healthy), NodeStatus.Down, Summaries.T0, []), Summaries.T0);

        Assert.Equal(("recovering", "stale"), (up.State, up.LastKnownState));
        Assert.Equal(("node-down", "healthy"), (down.State, down.LastKnownState));
    }

    private static JsonElement Json(TunnelResource resource) => JsonSerializer.SerializeToElement(resource, Web);
}
