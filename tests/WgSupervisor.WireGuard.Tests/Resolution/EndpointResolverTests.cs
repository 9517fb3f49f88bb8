using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.WireGuard.Processes;
using WgSupervisor.WireGuard.Repair;
using WgSupervisor.WireGuard.Tests.Support;
using Xunit;

namespace WgSupervisor.WireGuard.Tests.Resolution;

/// <summary>
/// ResolveEndpointAsync through the adapter on a fake process runner: which name is looked up, that the lookup runs
/// inside the tunnel's namespace (so /etc/netns/NS/hosts counts), and what each answer of getent becomes.
/// </summary>
public sealed class EndpointResolverTests : IDisposable
{
    private const string PeerKey = "8yZX5jVtgLf8MFKUdf0LtPn8tvnO6YU3Y0knjUOSX0A=";
    private const string PeerWithAddressEndpoint = "eSxeQ4jY/hZ8qYchlE3KnPoUbluIBVHCirs7Y+n8Wg8=";
    private const string PeerWithoutEndpoint = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGw=";

    private const string Conf = $"""
        [Interface]
        Address = 10.251.0.1/24

        [Peer]
        PublicKey = {PeerKey}
        AllowedIPs = 10.251.0.2/32
        Endpoint = site-a.example.net:51820

        [Peer]
        PublicKey = {PeerWithAddressEndpoint}
        AllowedIPs = 10.251.0.3/32
        Endpoint = 10.250.3.2:51820

        [Peer]
        PublicKey = {PeerWithoutEndpoint}
        AllowedIPs = 10.251.0.4/32
        """;

    private const string Answer = """
        10.250.1.3      STREAM site-a.example.net
        10.250.1.3      DGRAM  
        10.250.1.3      RAW    
        """;

    private static readonly CommandTimeouts Timeouts = CommandTimeouts.Default with { Resolve = TimeSpan.FromSeconds(2) };

    private readonly TempConf _conf = new(Conf);

    public void Dispose() => _conf.Dispose();

    private TunnelSettings Tunnel(string? networkNamespace = "gw", string peer = PeerKey, string? endpointHost = null) => new()
    {
        Name = "site-a",
        Interface = "wg0",
        PeerPublicKey = peer,
        Namespace = networkNamespace,
        WgQuickConfig = _conf.Path,
        Repair = RepairOptions.None with { EndpointHost = endpointHost },
    };

    private static Task<EndpointResolution> Resolve(FakeProcessRunner runner, TunnelSettings tunnel) =>
        new WireGuardAdapter(runner, TimeProvider.System, timeouts: Timeouts).ResolveEndpointAsync(tunnel, CancellationToken.None);

    private static ProcessResult Printed(string output) => new(0, output, "", false, TimeSpan.FromMilliseconds(5));

    [Fact]
    public async Task The_conf_endpoint_name_is_looked_up_with_getent_inside_the_tunnels_namespace_with_a_short_timeout()
    {
        var runner = new FakeProcessRunner(_ => Printed(Answer));

        var resolution = await Resolve(runner, Tunnel());

        Assert.Equal("site-a.example.net:51820", resolution.Configured);
        Assert.Equal(["10.250.1.3"], resolution.Addresses);
        Assert.Null(resolution.Error);
        Assert.True(resolution.HasAnswer);
        Assert.True(resolution.Includes("10.250.1.3:51820"));
        Assert.False(resolution.Includes("10.250.1.2:51820"));
        var run = Assert.Single(runner.Runs);
        Assert.Equal("ip netns exec gw getent ahosts site-a.example.net", run.CommandLine);
        Assert.Equal(TimeSpan.FromSeconds(2), run.Timeout);
        Assert.Null(run.StandardInput);
    }

    [Fact]
    public async Task The_endpoint_host_of_the_repair_settings_wins_over_the_conf_and_the_host_namespace_runs_getent_directly()
    {
        var runner = new FakeProcessRunner(_ => Printed(Answer));

        var resolution = await Resolve(runner, Tunnel(networkNamespace: null, endpointHost: "moved.example.net:51999"));

        Assert.Equal("moved.example.net:51999", resolution.Configured);
        Assert.Equal("getent ahosts moved.example.net", Assert.Single(runner.Runs).CommandLine);
    }

    [Theory]
    [InlineData(PeerWithAddressEndpoint, null)]
    [InlineData(PeerWithoutEndpoint, null)]
    [InlineData(PeerKey, "[fd00::2]:51820")]
    [InlineData(PeerKey, "10.250.9.2:51820")]
    public async Task An_address_endpoint_or_none_is_not_applicable_and_runs_nothing(string peer, string? endpointHost)
    {
        var runner = new FakeProcessRunner(_ => Printed(Answer));

        var resolution = await Resolve(runner, Tunnel(peer: peer, endpointHost: endpointHost));

        Assert.Same(EndpointResolution.NotApplicable, resolution);
        Assert.Empty(runner.Runs);
    }

    [Fact]
    public async Task A_name_getent_does_not_know_is_a_failure_saying_it_does_not_resolve()
    {
        var runner = new FakeProcessRunner(_ => FakeProcessRunner.Exited(2));

        var resolution = await Resolve(runner, Tunnel());

        Assert.Equal("site-a.example.net:51820", resolution.Configured);
        Assert.Empty(resolution.Addresses);
        Assert.Equal("site-a.example.net does not resolve", resolution.Error);
        Assert.False(resolution.HasAnswer);
    }

    [Fact]
    public async Task Any_other_failure_is_reported_as_the_command_failed_not_thrown()
    {
        var missingNamespace = new FakeProcessRunner(_ => FakeProcessRunner.Exited(1, "Cannot open network namespace \"gw\": No such file or directory"));
        var slow = new FakeProcessRunner(_ => FakeProcessRunner.TimedOut(TimeSpan.FromSeconds(2)));

        var failed = await Resolve(missingNamespace, Tunnel());
        var timedOut = await Resolve(slow, Tunnel());

        Assert.Equal("getent ahosts site-a.example.net: exit code 1: Cannot open network namespace \"gw\": No such file or directory", failed.Error);
        Assert.Equal("getent ahosts site-a.example.net: timed out after 2 s", timedOut.Error);
        Assert.False(failed.HasAnswer);
        Assert.False(timedOut.HasAnswer);
    }

    [Fact]
    public async Task A_successful_lookup_without_any_address_is_a_failure()
    {
        var runner = new FakeProcessRunner(_ => Printed("\n"));

        var resolution = await Resolve(runner, Tunnel());

        Assert.Equal("site-a.example.net resolves to no address", resolution.Error);
    }
}
