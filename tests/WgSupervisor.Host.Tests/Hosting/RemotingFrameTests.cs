using System.Text.Json;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Hosting;
using Xunit;

namespace WgSupervisor.Domain.Tests.Hosting;

/// <summary>A node's full tunnel list travels as one remoting message: the frame must hold a large gateway's list.</summary>
public sealed class RemotingFrameTests
{
    [Fact]
    public void The_remoting_frame_holds_the_full_list_of_a_node_with_5000_tunnels()
    {
        var tunnels = Enumerable.Range(0, 5000).Select(i => Summaries.Of($"gateway-tunnel-{i:00000}", TunnelPhase.Healthy,
            node: "gateway-with-a-long-node-name", cause: "session-lost", diagnosis: "the site lost its session (handshake 181 s old)")).ToList();
        var published = new ClusterProtocol.NodeTunnels("gateway-with-a-long-node-name", "akka.ssl.tcp://wgsupervisor@10.0.0.1:4053", tunnels,
            Summaries.T0);

        // The cluster serializer writes these messages as JSON (ClusterMessageSerializer.ToBinary).
        var bytes = JsonSerializer.SerializeToUtf8Bytes(published, JsonSerializerOptions.Web).Length;

        var options = AkkaSetup.RemotingOptionsFor(SupervisorClusterSettings.Default, tls: null);
        Assert.Equal(AkkaSetup.MaxFrameBytes, options.MaxFrameSize);
        Assert.True(bytes < AkkaSetup.MaxFrameBytes, $"{bytes} bytes for 5,000 tunnels, frame {AkkaSetup.MaxFrameBytes}");
        Assert.True(bytes > 128_000, "the list is beyond Akka's default frame, which is why the frame is raised");
    }
}
