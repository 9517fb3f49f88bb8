using WgSupervisor.Host.Configuration;
using WgSupervisor.WireGuard.Simulation;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

public sealed class RootSectionTests
{
    [Fact]
    public void An_empty_root_gets_the_defaults()
    {
        var reader = new SettingsReader();

        var root = RootSection.Read(reader, Json("{}"));

        var defaults = RootSettings.Default;
        Assert.Equal(defaults, root with { Namespaces = defaults.Namespaces });
        Assert.Empty(root.Namespaces);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void The_root_keys_are_read()
    {
        var reader = new SettingsReader();

        var root = RootSection.Read(reader, Json("""
            { "NodeName": "gw1", "PollIntervalSeconds": 2.5, "MaxConcurrentRestarts": 3, "MaxConcurrentRestartsPerSite": 1,
              "MaxConcurrentPeerRepairs": 12, "Discover": false, "Namespaces": [ "a", "b" ], "Backend": "simulated" }
            """));

        Assert.Equal(("gw1", TimeSpan.FromSeconds(2.5), 3, (int?)1, 12, false, BackendKind.Simulated),
            (root.NodeName, root.PollInterval, root.MaxConcurrentRestarts, root.MaxConcurrentRestartsPerSite, root.MaxConcurrentPeerRepairs,
                root.Discover, root.Backend));
        Assert.Equal(["a", "b"], root.Namespaces);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Each_root_mistake_is_reported_at_its_key()
    {
        var reader = new SettingsReader();

        RootSection.Read(reader, Json("""
            { "NodeName": "gw 1", "PollIntervalSeconds": 0, "MaxConcurrentRestartsPerSite": 0, "Namespaces": [ "ok", "not ok" ],
              "Backend": "Kernel", "Colour": "blue", "MaxConcurrentPeerRepairs": 0 }
            """));

        Assert.Equal(["Backend", "Colour", "MaxConcurrentPeerRepairs", "MaxConcurrentRestartsPerSite", "Namespaces:1", "NodeName", "PollIntervalSeconds"],
            Places(reader));
    }

    [Fact]
    public void The_peer_repair_limit_defaults_to_the_permit_books_own_and_must_be_a_whole_number_of_at_least_one()
    {
        var defaults = new SettingsReader();
        var wrong = new SettingsReader();

        var root = RootSection.Read(defaults, Json("{}"));
        RootSection.Read(wrong, Json("""{ "MaxConcurrentPeerRepairs": 2.5 }"""));

        Assert.Equal(WgSupervisor.Domain.Fleet.PermitLimits.DefaultMaxConcurrentPeer, root.MaxConcurrentPeerRepairs);
        Assert.Equal(("MaxConcurrentPeerRepairs", "'2.5' is not a whole number"), (Single(wrong).Where, Single(wrong).Problem));
    }

    [Fact]
    public void The_sections_under_the_root_are_allowed_keys_and_left_to_their_own_validators()
    {
        var reader = new SettingsReader();

        RootSection.Read(reader, Json("""
            { "Admin": { "Colour": 1 }, "Journal": {}, "Cluster": {}, "Simulation": {}, "Webhooks": [], "Defaults": {}, "Tunnels": [],
              "CommonCause": { "Colour": 1 } }
            """));

        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Watched_namespaces_are_the_host_the_simulation_and_the_configured_ones_each_once()
    {
        var root = RootSettings.Default with { Namespaces = ["lab", "sim", "lab"] };

        Assert.Equal([null, "sim", "lab"], RootSection.WatchedNamespaces(root, new SimulationSettings(1, Namespace: "sim")));
        Assert.Equal([null, "lab", "sim"], RootSection.WatchedNamespaces(root, simulation: null));
    }
}
