using WgSupervisor.Host.Configuration;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

public sealed class ClusterSectionTests
{
    [Fact]
    public void Disabled_the_node_takes_any_free_port_and_the_documented_defaults()
    {
        var reader = new SettingsReader();

        var cluster = ClusterSection.Read(reader, Json("{}"));

        Assert.Equal((false, "127.0.0.1", 0, 4, "keep-majority"), (cluster.Enabled, cluster.Hostname, cluster.Port, cluster.MaxConcurrentRestarts, cluster.SplitBrain));
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10)), (cluster.Lease, cluster.SplitBrainStableAfter));
        Assert.Null(cluster.Roles);
        Assert.Null(cluster.AcceptableHeartbeatPause);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Enabled_the_default_port_is_4053_and_every_part_is_read()
    {
        var reader = new SettingsReader();

        var cluster = ClusterSection.Read(reader, Json("""
            { "Enabled": true, "SeedNodes": [ "akka.tcp://wgsupervisor@10.0.0.1:4053" ], "Roles": [ "gateway" ], "LeaseSeconds": 60,
              "SplitBrain": { "Strategy": "static-quorum", "QuorumSize": 2, "StableAfterSeconds": 5 },
              "FailureDetector": { "AcceptableHeartbeatPauseSeconds": 2 } }
            """));

        Assert.Empty(reader.Problems);
        Assert.Equal(4053, cluster.Port);
        Assert.Equal(["akka.tcp://wgsupervisor@10.0.0.1:4053"], cluster.SeedNodes);
        Assert.Equal(["gateway"], cluster.Roles!);
        Assert.Equal(("static-quorum", (int?)2), (cluster.SplitBrain, cluster.QuorumSize));
        Assert.Equal((TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), (TimeSpan?)TimeSpan.FromSeconds(2)),
            (cluster.Lease, cluster.SplitBrainStableAfter, cluster.AcceptableHeartbeatPause));
    }

    [Fact]
    public void Static_quorum_needs_a_quorum_size()
    {
        var reader = new SettingsReader();

        ClusterSection.Read(reader, Json("""{ "SplitBrain": { "Strategy": "static-quorum" } }"""));

        Assert.Equal("Cluster:SplitBrain:QuorumSize", Single(reader).Where);
    }

    [Fact]
    public void Seed_nodes_need_the_cluster_enabled()
    {
        var reader = new SettingsReader();

        ClusterSection.Read(reader, Json("""{ "SeedNodes": [ "akka.tcp://wgsupervisor@10.0.0.1:4053" ] }"""));

        Assert.Equal("Cluster:SeedNodes", Single(reader).Where);
    }

    [Fact]
    public void Mistakes_in_the_nested_parts_are_reported_at_their_key_paths()
    {
        var reader = new SettingsReader();

        ClusterSection.Read(reader, Json("""
            { "Roles": [ "ok", "not ok" ], "SplitBrain": { "Strategy": "coin-toss", "Colour": 1 },
              "FailureDetector": { "AcceptableHeartbeatPauseSeconds": 0.1, "Threshold": 8 } }
            """));

        Assert.Equal(["Cluster:FailureDetector:AcceptableHeartbeatPauseSeconds", "Cluster:FailureDetector:Threshold", "Cluster:Roles:1",
            "Cluster:SplitBrain:Colour", "Cluster:SplitBrain:Strategy"], Places(reader));
    }
}
