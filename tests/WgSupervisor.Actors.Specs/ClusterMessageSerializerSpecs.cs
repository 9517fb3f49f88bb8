using System.Text;
using Akka.Actor;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Serialization;
using WgSupervisor.Actors.Specs.Support;
using Xunit;

namespace WgSupervisor.Actors.Specs;

/// <summary>What crosses between nodes: operator commands keep the field names that nodes of the previous release read.</summary>
public sealed class ClusterMessageSerializerSpecs() : Akka.TestKit.Xunit2.TestKit(SpecConfig.Config)
{
    private ClusterMessageSerializer Serializer => new((ExtendedActorSystem)Sys);

    [Fact]
    public void A_restart_routed_to_another_node_round_trips_and_names_who_asked_as_requestedBy()
    {
        var command = new FleetProtocol.RestartTunnel("branch-berlin", "operator:alice on node gateway-2");

        var bytes = Serializer.ToBinary(command);

        Assert.Equal("restart", Serializer.Manifest(command));
        Assert.Contains("\"requestedBy\":\"operator:alice on node gateway-2\"", Encoding.UTF8.GetString(bytes));
        Assert.Equal(command, Serializer.FromBinary(bytes, "restart"));
    }

    [Fact]
    public void A_restart_from_a_node_of_the_previous_release_is_read()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"name":"branch-berlin","requestedBy":"operator:bob"}""");

        Assert.Equal(new FleetProtocol.RestartTunnel("branch-berlin", "operator:bob"), Serializer.FromBinary(bytes, "restart"));
    }
}
