using System.Text.Json;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Admin;
using Xunit;

namespace WgSupervisor.Domain.Tests.Admin;

/// <summary>A tunnel as the admin API shows it: the diagnosis, its cause and the episode's start.</summary>
public sealed class TunnelResourceTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void A_held_tunnel_shows_state_held_with_its_cause_diagnosis_and_episode_start()
    {
        var summary = Summaries.Of("berlin", TunnelPhase.Held, cause: "underlay-down", diagnosis: "underlay down for 4 of 4 tunnels",
            episodeStartedAt: Summaries.T0.AddSeconds(-30));

        var json = JsonSerializer.SerializeToElement(TunnelResource.From(summary, Summaries.T0), Web);

        Assert.Equal("held", json.GetProperty("state").GetString());
        Assert.Equal("underlay-down", json.GetProperty("cause").GetString());
        Assert.Equal("underlay down for 4 of 4 tunnels", json.GetProperty("diagnosis").GetString());
        Assert.Equal(Summaries.T0.AddSeconds(-30), json.GetProperty("episodeStartedAt").GetDateTimeOffset());
    }

    [Fact]
    public void A_healthy_tunnel_has_the_fields_with_null_values()
    {
        var json = JsonSerializer.SerializeToElement(TunnelResource.From(Summaries.Of("paris", TunnelPhase.Healthy), Summaries.T0), Web);

        Assert.Equal(JsonValueKind.Null, json.GetProperty("cause").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("diagnosis").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("episodeStartedAt").ValueKind);
    }

    [Fact]
    public void The_state_filter_names_every_phase_including_held_and_recovering()
    {
        Assert.Equal(Enum.GetValues<TunnelPhase>().Length + 1, TunnelResource.StateNames.Count);
        Assert.Contains("recovering", TunnelResource.StateNames);
        Assert.Contains("held", TunnelResource.StateNames);
        Assert.Contains("standby", TunnelResource.StateNames);
    }
}
