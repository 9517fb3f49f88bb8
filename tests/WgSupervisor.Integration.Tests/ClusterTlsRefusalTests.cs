using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WgSupervisor.Integration.Tests.Support;
using static WgSupervisor.Integration.Tests.Support.ClusterAdmin;
using WgSupervisor.WireGuard.Simulation;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>Its own LAN (10.250.210.0/24) and run ids: it may run beside the other collections.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterTlsRefusalCollection
{
    public const string Name = "cluster TLS refusal";
}

/// <summary>
/// Who may not join a cluster that talks mutual TLS: three members (certificates from `wgsupervisor certs`, each in
/// its own network namespace on a bridge, SQLite journal each, two simulated tunnels each) and three intruders in
/// namespaces of their own that try to join through the seed nodes — one with no certificate (plain akka.tcp, as
/// Cluster:AllowPlaintextRemoting allows), one with a certificate from another CA, one with an expired certificate
/// signed by the cluster's own CA. None may ever appear in any member's view, the members log each refusal, and no
/// member's tunnel is touched. Then bytes that are not TLS sent to a member's remoting port: the member closes the
/// connection and goes on. And a node on a non-loopback address without TLS is refused at start.
/// </summary>
[Collection(ClusterTlsRefusalCollection.Name)]
public sealed class ClusterTlsRefusalTests(ITestOutputHelper output)
{
    private const int Subnet = 210;
    private const int Members = 3;
    private const int TunnelsPerNode = 2;
    private const int RemotingPort = 4053;
    /// <summary>How long the members' views are watched from the intruders' start: many join attempts (one every few seconds per seed).</summary>
    private static readonly TimeSpan Observation = TimeSpan.FromSeconds(20);
    /// <summary>A member ends a connection of bytes that are not TLS promptly (how soon is printed); the bound tells that from a member
    /// that never does, and is generous (it was 15 s) as a loaded machine delays the member's answer.</summary>
    private static readonly TimeSpan GarbageLimit = TimeSpan.FromSeconds(60);

    /// <summary>The intruders, by the lab node (namespace and address) each runs in.</summary>
    private static readonly Dictionary<int, string> Intruders = new()
    {
        [4] = "no certificate",
        [5] = "a certificate from another CA",
        [6] = "an expired certificate from the cluster's CA",
    };

    private readonly Dictionary<int, OutputLog> _logs = [];

    [SkippableFact]
    public async Task Intruders_without_a_valid_certificate_never_join_members_log_the_refusal_and_bytes_that_are_not_TLS_are_dropped()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await ClusterLab.CreateAsync(Members + Intruders.Count, Subnet);
        using var config = new SupervisorConfigFile(new { });
        var run = Guid.NewGuid().ToString("N")[..6];
        var clients = Enumerable.Range(1, Members + Intruders.Count).ToDictionary(n => n, n => Client(lab, n));
        var processes = new Dictionary<int, Process>();
        try
        {
            var (certificates, printed) = await lab.IssueCertificatesAsync("cluster", Enumerable.Range(1, Members));
            output.WriteLine($"wgsupervisor certs printed:\n{printed.TrimEnd()}");
            output.WriteLine(ClusterTls.Describe(certificates, Enumerable.Range(1, Members)));
            var caFile = Path.Combine(certificates, "ca.crt");

            // The members form their cluster over TLS, every tunnel healthy everywhere.
            for (var node = 1; node <= Members; node++)
                processes[node] = Start(lab, config, node, Name(node, run), ClusterTls.Settings(certificates, node));
            foreach (var node in processes.Keys) await WaitAsync($"member n{node} answers", TimeSpan.FromSeconds(90), () => HealthyAsync(clients[node]));
            foreach (var member in Enumerable.Range(1, Members))
                await WaitAsync($"n{member} sees {Members} members up and all {Members * TunnelsPerNode} tunnels healthy", TimeSpan.FromSeconds(60),
                    async () => await ViewBreachAsync(clients[member], run) is null);
            var members = await GetAsync(clients[1], "/api/nodes");
            output.WriteLine($"members: {string.Join(", ", members.AsArray().Select(n => $"{n!["name"]} at {n["address"]}"))}");
            Assert.All(members.AsArray(), n => Assert.StartsWith("akka.ssl.tcp://", n!["address"]!.GetValue<string>()));

            // The intruders: n4 speaks plain TCP, n5 shows a certificate of another CA, n6 one of the cluster's CA that has expired.
            var (foreign, _) = await lab.IssueCertificatesAsync("foreign-ca", [5]);
            var expired = lab.CertificateDirectory("expired");
            IssueExpired(certificates, expired, "n6", lab.NodeAddress(6));
            output.WriteLine($"intruder certificates: n5 from another CA ({Subject(Path.Combine(foreign, "n5.crt"))}), " +
                             $"n6 expired ({Subject(Path.Combine(expired, "n6.crt"))})");
            var marks = _logs.ToDictionary(l => l.Key, l => l.Value.Lines.Count);
            processes[4] = Start(lab, config, 4, Name(4, run), tls: null);
            processes[5] = Start(lab, config, 5, Name(5, run), ClusterTls.Settings(foreign, "n5", caFile));
            processes[6] = Start(lab, config, 6, Name(6, run), ClusterTls.Settings(expired, "n6", caFile));

            // Each seed member logs the refusal of each intruder: a warning naming its address (the certificates' owners with the
            // validator's reason). All the while, and for a whole observation window after the last of those first refusals, no
            // intruder is in any member's view and no member's tunnel is touched.
            var reasons = new Dictionary<int, string> { [4] = "TLS handshake failure", [5] = "does not chain to the cluster CA", [6] = "expired" };
            var refusals = new Dictionary<(int Seed, int Intruder), List<string>>();
            var watch = Stopwatch.StartNew();
            await WaitAsync("each seed member logs the refusal of each intruder, no intruder in any view meanwhile", TimeSpan.FromSeconds(120), async () =>
            {
                foreach (var member in Enumerable.Range(1, Members))
                    if (await ViewBreachAsync(clients[member], run) is { } breach) throw new Xunit.Sdk.XunitException($"n{member}: {breach}");
                foreach (var seed in new[] { 1, 2 })
                foreach (var intruder in Intruders.Keys)
                    refusals[(seed, intruder)] = Refusals(seed, marks, lab.NodeAddress(intruder), reasons[intruder]);
                return refusals.Values.All(r => r.Count > 0);
            });
            output.WriteLine($"every seed member refused every intruder within {watch.Elapsed.TotalSeconds:0} s of their start");
            var window = Stopwatch.StartNew();
            await LabBehaviour.HoldsForAsync("a cluster of the members alone with their tunnels untouched", Observation, async () =>
            {
                foreach (var member in Enumerable.Range(1, Members))
                    if (await ViewBreachAsync(clients[member], run) is { } breach) return $"n{member}: {breach}";
                return null;
            });
            output.WriteLine($"{watch.Elapsed.TotalSeconds:0} s after the intruders started ({window.Elapsed.TotalSeconds:0} s after the last first refusal): " +
                             $"no intruder in any member's view, {Members * TunnelsPerNode} member tunnels healthy on every member");
            foreach (var ((seed, intruder), _) in refusals.OrderBy(r => r.Key))
            {
                var lines = Refusals(seed, marks, lab.NodeAddress(intruder), reasons[intruder]);
                output.WriteLine($"n{seed} refused n{intruder} ({Intruders[intruder]}) {lines.Count} time(s), first: {lines[0]}");
            }
            foreach (var intruder in Intruders.Keys)
                output.WriteLine($"intruder n{intruder}: " + (processes[intruder].HasExited
                    ? $"exited with {processes[intruder].ExitCode} ({_logs[intruder].Lines.Select(l => l.Text).LastOrDefault(l => l.Contains("CoordinatedShutdown", StringComparison.Ordinal)) ?? "no shutdown reason logged"})"
                    : "still trying"));
            foreach (var member in Enumerable.Range(1, Members))
                Assert.Null(await ViewBreachAsync(clients[member], run));

            // Bytes that are not TLS on a member's remoting port (from the host's namespace): the member drops the connection and goes on.
            var beforeGarbage = _logs.ToDictionary(l => l.Key, l => l.Value.Lines.Count);
            var closed = await SendGarbageAsync(lab.NodeAddress(3), RemotingPort);
            output.WriteLine($"plain TCP client to n3's remoting port: {closed}");
            // The refusal is logged as the connection ends (which SendGarbageAsync saw): waiting for the line is waiting for a real
            // process's output, bounded generously (this was 10 s, within reach of a loaded machine), as is the view below.
            await WaitAsync("n3 logs the refusal of the plain TCP client", TimeSpan.FromSeconds(60),
                () => Task.FromResult(Refusals(3, beforeGarbage, lab.HostAddress, "TLS handshake failure").Count > 0));
            output.WriteLine($"n3: {Refusals(3, beforeGarbage, lab.HostAddress, "TLS handshake failure")[0]}");
            foreach (var member in Enumerable.Range(1, Members))
                await WaitAsync($"n{member} still sees {Members} members up and its tunnels healthy", TimeSpan.FromSeconds(60),
                    async () => await ViewBreachAsync(clients[member], run) is null);
            Assert.False(processes[3].HasExited);
        }
        catch
        {
            foreach (var (node, log) in _logs) output.WriteLine($"--- n{node}\n{log.Tail(40)}");
            throw;
        }
        finally
        {
            foreach (var client in clients.Values) client.Dispose();
            await lab.DisposeAsync();
            foreach (var log in _logs.Values) log.Dispose();
            Assert.Empty(lab.Leftovers());
        }
    }

    [Fact]
    public async Task A_cluster_on_a_non_loopback_address_without_TLS_is_refused_at_start_naming_Cluster_Tls()
    {
        object Configuration(bool allowPlaintext) => new
        {
            NodeName = "plain",
            Admin = new { Url = $"http://127.0.0.1:{SupervisorProcess.FreePort()}" },
            Discover = false,
            Backend = "Simulated",
            Simulation = new { Tunnels = 1 },
            Cluster = new
            {
                Enabled = true, Hostname = $"10.250.{Subnet}.9", Port = RemotingPort,
                SeedNodes = new[] { $"akka.tcp://wgsupervisor@10.250.{Subnet}.9:{RemotingPort}" }, AllowPlaintextRemoting = allowPlaintext,
            },
        };
        using var config = new SupervisorConfigFile(Configuration(allowPlaintext: true));
        // The control: the same file with plaintext allowed passes the check, so the refusal below is about TLS alone.
        var (checkExit, checkOutput) = await SupervisorProcess.RunToExitAsync(config.FilePath, TimeSpan.FromSeconds(60), "check");
        Assert.True(checkExit == 0, $"check with AllowPlaintextRemoting true exited with {checkExit}: {checkOutput}");
        config.Write(Configuration(allowPlaintext: false));

        var start = SupervisorProcess.StartInfo(new SupervisorStart(config.FilePath) { WithoutInheritedOverrides = true });
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the host did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                OwnProcess.Kill(process, entireProcessTree: true);
                throw new TimeoutException("the host did not exit within 60 s");
            }
        }
        output.WriteLine($"exit {process.ExitCode}; stderr: {await stderr}; stdout: {await stdout}");
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Cluster:Tls", await stderr);
        Assert.DoesNotContain("WgSupervisor node", await stdout);
    }

    private static string Name(int node, string run) => node <= Members ? $"m{node}-{run}" : $"x{node}-{run}";

    /// <summary>
    /// Null when the member sees exactly the members, all up with akka.ssl.tcp addresses, no intruder (by name or address),
    /// and every member tunnel listed and healthy; otherwise what is wrong.
    /// </summary>
    private static async Task<string?> ViewBreachAsync(HttpClient member, string run)
    {
        var nodes = (await GetAsync(member, "/api/nodes")).AsArray();
        var names = nodes.Select(n => n!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        var expected = Enumerable.Range(1, Members).Select(n => Name(n, run)).ToList();
        if (!names.SequenceEqual(expected)) return $"nodes {string.Join(", ", names)}";
        if (nodes.FirstOrDefault(n => n!["status"]!.GetValue<string>() != "up") is { } notUp) return $"{notUp["name"]} is {notUp["status"]}";
        if (nodes.FirstOrDefault(n => Intruders.Keys.Any(i => n!["address"]?.GetValue<string>().Contains($"10.250.{Subnet}.{i}:") == true)) is { } intruder)
            return $"an intruder's address: {intruder["address"]}";
        var tunnels = (await GetAsync(member, "/api/tunnels")).AsArray();
        if (tunnels.FirstOrDefault(t => !t!["node"]!.GetValue<string>().StartsWith('m')) is { } foreign) return $"an intruder's tunnel: {foreign["name"]}";
        if (tunnels.Count != Members * TunnelsPerNode) return $"{tunnels.Count} tunnels";
        return tunnels.FirstOrDefault(t => t!["state"]!.GetValue<string>() != "healthy") is { } unhealthy
            ? $"tunnel {unhealthy["name"]} is {unhealthy["state"]}"
            : null;
    }

    /// <summary>Members n1 and n2 are the seeds: each intruder knocks on both.</summary>
    private static string[] Seeds(ClusterLab lab, string scheme) => [.. new[] { 1, 2 }.Select(seed => $"{scheme}://wgsupervisor@{lab.NodeAddress(seed)}:{RemotingPort}")];

    /// <summary>Starts lab node <paramref name="node"/>: over TLS with <paramref name="tls"/> (Cluster:Tls), or plain TCP when it is null.</summary>
    private Process Start(ClusterLab lab, SupervisorConfigFile config, int node, string name, object? tls)
    {
        var path = Path.Combine(config.Directory, $"n{node}.json");
        File.WriteAllText(path, SupervisorProcess.ToJson(new
        {
            NodeName = name,
            Admin = new { Url = $"http://{lab.NodeAddress(node)}:{ClusterAdmin.Port}" },
            PollIntervalSeconds = 1,
            Discover = false,
            Backend = "Simulated",
            Simulation = new { Tunnels = TunnelsPerNode, Seed = node },
            Journal = new { Provider = "Sqlite", SqlitePath = Path.Combine(config.Directory, $"n{node}.db") },
            Cluster = tls is null
                ? (object)new { Enabled = true, Hostname = lab.NodeAddress(node), Port = RemotingPort, SeedNodes = Seeds(lab, "akka.tcp"), AllowPlaintextRemoting = true }
                : new { Enabled = true, Hostname = lab.NodeAddress(node), Port = RemotingPort, SeedNodes = Seeds(lab, "akka.ssl.tcp"), Tls = tls },
            Tunnels = Enumerable.Range(0, TunnelsPerNode).Select(k => new
            {
                Name = $"{name}-t{k}",
                Interface = SimulatedWireGuard.InterfaceName(k),
                PeerPublicKey = SimulatedWireGuard.PeerKey(node, k),
                Namespace = "sim",
                WgQuickConfig = $"/etc/wireguard/{SimulatedWireGuard.InterfaceName(k)}.conf",
            }).ToArray(),
        }));
        var log = _logs[node] = new OutputLog();
        return lab.StartNode(node, path, log.Add);
    }

    /// <summary>
    /// A certificate for <paramref name="name"/> signed by the cluster's CA that expired yesterday (valid for a month before),
    /// with the CA's own key: everything right but the time. Written as NAME.crt and NAME.key (0600) in <paramref name="directory"/>.
    /// </summary>
    private static void IssueExpired(string caDirectory, string directory, string name, string address)
    {
        Directory.CreateDirectory(directory);
        using var ca = X509Certificate2.CreateFromPemFile(Path.Combine(caDirectory, "ca.crt"), Path.Combine(caDirectory, "ca.key"));
        using var caKey = ca.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the CA's key is not ECDSA");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var alternativeNames = new SubjectAlternativeNameBuilder();
        alternativeNames.AddIpAddress(IPAddress.Parse(address));
        request.CertificateExtensions.Add(alternativeNames.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2") }, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        // Signed with the generator rather than the CA certificate: .NET refuses a validity that starts before the (new) CA's own.
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddDays(-31), now.AddDays(-1),
            RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(Path.Combine(directory, $"{name}.crt"), certificate.ExportCertificatePem());
        var keyPath = Path.Combine(directory, $"{name}.key");
        File.WriteAllText(keyPath, "");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    private static string Subject(string certificateFile)
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(certificateFile);
        return $"{certificate.Subject} issued by {certificate.Issuer}, valid {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd} to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}";
    }

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/>, sends 4 KiB that are not a TLS handshake, and waits (at most
    /// <see cref="GarbageLimit"/>) for the other side to close the connection; returns how it ended.
    /// </summary>
    private static async Task<string> SendGarbageAsync(string host, int port)
    {
        using var client = new TcpClient();
        using var limit = new CancellationTokenSource(GarbageLimit);
        await client.ConnectAsync(IPAddress.Parse(host), port, limit.Token);
        var stream = client.GetStream();
        var garbage = Encoding.ASCII.GetBytes("this is not TLS\r\n").Concat(RandomNumberGenerator.GetBytes(4096 - 17)).ToArray();
        var clock = Stopwatch.StartNew();
        try
        {
            await stream.WriteAsync(garbage, limit.Token);
            var buffer = new byte[4096];
            for (var reads = 0; reads < 1000; reads++)
            {
                var read = await stream.ReadAsync(buffer, limit.Token);
                if (read == 0) return $"sent {garbage.Length} bytes, closed by the member after {clock.Elapsed.TotalMilliseconds:0} ms";
            }
            throw new Xunit.Sdk.XunitException("the member kept answering bytes that are not TLS");
        }
        catch (IOException e) when (e.InnerException is SocketException socket)
        {
            return $"sent {garbage.Length} bytes, reset by the member after {clock.Elapsed.TotalMilliseconds:0} ms ({socket.SocketErrorCode})";
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"the member kept a connection open for {GarbageLimit.TotalSeconds:0} s that sent bytes that are not TLS");
        }
    }

    /// <summary>The warnings (or errors) node <paramref name="node"/> logged since its mark that name <paramref name="address"/> and <paramref name="reason"/>.</summary>
    private List<string> Refusals(int node, Dictionary<int, int> marks, string address, string reason)
    {
        var named = new Regex($@"\b{Regex.Escape(address)}\b");
        return _logs[node].Lines.Skip(marks[node]).Select(l => l.Text)
            .Where(line => IsWarningOrError(line) && named.IsMatch(line) && line.Contains(reason, StringComparison.Ordinal)).ToList();
    }

    private static bool IsWarningOrError(string line) => line.Contains(" WRN]", StringComparison.Ordinal) || line.Contains(" ERR]", StringComparison.Ordinal);
}
