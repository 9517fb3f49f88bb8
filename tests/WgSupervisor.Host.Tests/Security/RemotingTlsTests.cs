using Akka.Actor;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Hosting;
using WgSupervisor.Host.Security;
using Xunit;

namespace WgSupervisor.Host.Tests.Security;

/// <summary>
/// Two actor systems on 127.0.0.1 with the remoting options the supervisor uses (AkkaSetup.RemotingOptionsFor): Akka's own DotNetty TLS,
/// mutual authentication, our validator. Only certificates of the cluster's CA get a message through.
/// </summary>
public sealed class RemotingTlsTests : IDisposable
{
    private static readonly TimeSpan Reply = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan NoReply = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RefusalLimit = TimeSpan.FromSeconds(30);

    private readonly TestPki _cluster = new("cluster CA");
    private readonly TestPki _stranger = new("another CA");

    [Fact]
    public async Task Nodes_with_certificates_of_the_cluster_CA_associate_and_exchange_messages()
    {
        await using var a = await Node.StartAsync(Tls(_cluster, _cluster.NodeFiles("a")));
        await using var b = await Node.StartAsync(Tls(_cluster, _cluster.NodeFiles("b")));

        var reply = await b.System.ActorSelection($"{a.Address}/user/echo").Ask<string>("ping", Reply);

        Assert.Equal("ping", reply);
        Assert.StartsWith("akka.ssl.tcp://wgsupervisor@127.0.0.1:", a.Address);
        // The dialling side knows the peer's certificate by the Akka address it dialled, as /api/nodes looks it up.
        Assert.Equal(new DateTimeOffset(a.Tls.Certificate.NotAfter.ToUniversalTime()), b.Peers.ExpiryOf("not-its-name", a.Address));
        // The side dialled in to answers over the same connection: it knows the peer by its certificate's name (the node's).
        Assert.Equal(new DateTimeOffset(b.Tls.Certificate.NotAfter.ToUniversalTime()), a.Peers.ExpiryOf("b", b.Address));
        Assert.Equal((0, 0), (a.Tls.Validator.Refused, b.Tls.Validator.Refused));
    }

    [Fact]
    public async Task A_node_whose_certificate_comes_from_another_CA_is_refused_at_the_handshake()
    {
        await using var a = await Node.StartAsync(Tls(_cluster, _cluster.NodeFiles("a")));
        // The intruder trusts the cluster CA, so only the cluster's side can refuse it: the refusal is a's, of the intruder's certificate.
        await using var intruder = await Node.StartAsync(Tls(_cluster, _stranger.NodeFiles("intruder")));

        await Assert.ThrowsAsync<AskTimeoutException>(() => intruder.System.ActorSelection($"{a.Address}/user/echo").Ask<string>("ping", NoReply));
        await RefusedAsync(a, "the cluster node refused the intruder's certificate");
    }

    [Fact]
    public async Task A_node_of_the_cluster_refuses_to_dial_a_node_with_a_certificate_of_another_CA()
    {
        // The stranger trusts the cluster CA (it would accept us); our side must refuse it as the dialling side.
        await using var stranger = await Node.StartAsync(Tls(_cluster, _stranger.NodeFiles("stranger")));
        await using var b = await Node.StartAsync(Tls(_cluster, _cluster.NodeFiles("b")));

        await Assert.ThrowsAsync<AskTimeoutException>(() => b.System.ActorSelection($"{stranger.Address}/user/echo").Ask<string>("ping", NoReply));
        await RefusedAsync(b, "the cluster node refused the stranger's certificate when dialling it");
        Assert.Null(b.Peers.ExpiryOf("stranger", stranger.Address));
    }

    private static ClusterTlsSettings Tls(TestPki trusted, CertificateSource certificate) => new(certificate, trusted.CaFile, []);

    /// <summary>
    /// The node's validator refused a certificate. As a rule it did so long before the ask above gave up (5 s); but the refusal is the
    /// handshake's, which runs apart from the ask: on a loaded machine (a fresh DotNetty pipeline, TLS, two actor systems on 2 busy
    /// cores) it can come after the ask gave up, so it is waited for (bounded), not read once.
    /// </summary>
    private static async Task RefusedAsync(Node node, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (node.Tls.Validator.Refused == 0 && clock.Elapsed < RefusalLimit) await Task.Delay(50);
        Assert.True(node.Tls.Validator.Refused > 0, $"{what} (no refusal within {RefusalLimit.TotalSeconds:0} s)");
    }

    public void Dispose()
    {
        _cluster.Dispose();
        _stranger.Dispose();
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(message => Sender.Tell(message));
    }

    /// <summary>An actor system on 127.0.0.1 (any free port) with the supervisor's remoting options and an echo actor.</summary>
    private sealed class Node(IHost host, ClusterTls tls, PeerCertificates peers) : IAsyncDisposable
    {
        public ActorSystem System => host.Services.GetRequiredService<ActorSystem>();
        public ClusterTls Tls => tls;
        public PeerCertificates Peers => peers;
        public string Address => ((ExtendedActorSystem)System).Provider.DefaultAddress.ToString();

        public static async Task<Node> StartAsync(ClusterTlsSettings settings)
        {
            var peers = new PeerCertificates();
            var tls = ClusterTls.Load(settings, peers, TimeProvider.System);
            var cluster = SupervisorClusterSettings.Default with { Tls = settings };
            var host = new HostBuilder()
                .ConfigureServices(services => services.AddAkka(AkkaSetup.ActorSystemName, builder => builder
                    .WithRemoting(AkkaSetup.RemotingOptionsFor(cluster, tls))
                    .WithActors((system, _) => system.ActorOf(Props.Create(() => new Echo()), "echo"))))
                .Build();
            await host.StartAsync();
            return new Node(host, tls, peers);
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
            tls.Certificate.Dispose();
        }
    }
}
