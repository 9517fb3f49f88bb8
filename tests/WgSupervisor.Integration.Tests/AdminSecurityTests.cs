using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using WgSupervisor.Integration.Tests.Support;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// The admin endpoint's security on the real supervisor process (simulated backend): HTTPS with a certificate from a private
/// CA (curl --cacert, wgsup --ca-file, plain HTTP refused), and off loopback no anonymous reads, the read token for reads
/// only, and failed authentications limited per client address (429, then the good token works again after Retry-After).
/// </summary>
public sealed class AdminSecurityTests(ITestOutputHelper output)
{
    private const string ReadToken = "integration-read-token-1b7d3e9a";
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Over_https_curl_with_the_ca_and_wgsup_with_ca_file_work_and_plain_http_to_the_port_fails()
    {
        RequireCurl();
        using var config = new SupervisorConfigFile(new { });
        var certificates = AdminTestCertificates.WriteTo(config.Directory);
        var port = SupervisorProcess.FreePort();
        var url = $"https://127.0.0.1:{port}";
        config.Write(Simulated(config, new { Url = url, certificates.CertificateFile, certificates.KeyFile }));
        await using var supervisor = await HttpsSupervisor.StartAsync(config.FilePath, new Uri(url), certificates.Authority);

        // curl with the CA: the tunnels as JSON. Without it: curl refuses the certificate (60: peer certificate cannot be authenticated).
        var (curlExit, curlOutput) = await Curl("--cacert", certificates.CaFile, $"{url}/api/tunnels");
        Assert.True(curlExit == 0, curlOutput);
        Assert.Equal(2, JsonNode.Parse(curlOutput)!.AsArray().Count);
        var (untrustedExit, untrustedOutput) = await Curl($"{url}/api/tunnels");
        Assert.True(untrustedExit == 60, $"curl without --cacert: exit {untrustedExit}\n{untrustedOutput}");

        // wgsup with --ca-file: the table's JSON; without it: unreachable (3), saying why and what to do.
        var status = await Wgsup("status", "--json", "--url", url, "--ca-file", certificates.CaFile);
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Equal(2, JsonNode.Parse(status.Output)!.AsArray().Count);
        var untrusted = await Wgsup("status", "--url", url);
        Assert.True(untrusted.ExitCode == 3, untrusted.Output);
        Assert.Contains("--ca-file", untrusted.Output);

        // Plain HTTP to the HTTPS port: no answer, the connection ends in the TLS handshake.
        using var plain = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(15) };
        var refused = await Record.ExceptionAsync(() => plain.GetAsync("/api/tunnels"));
        Assert.IsType<HttpRequestException>(refused);

        // The supervisor still serves over TLS afterwards, and watches the expiry of the certificate it serves (Unix time of NotAfter).
        Assert.Equal(HttpStatusCode.OK, (await supervisor.Http.GetAsync("/healthz")).StatusCode);
        var expiry = System.Text.RegularExpressions.Regex.Match(await supervisor.Http.GetStringAsync("/metrics"),
            @"^wgsupervisor_tls_certificate_expiry_seconds\{node=""[^""]+"",usage=""admin""\} (?<value>\S+)$",
            System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(expiry.Success, "the admin certificate's expiry is exported");
        using var served = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(certificates.CertificateFile));
        Assert.Equal(new DateTimeOffset(served.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(),
            (long)double.Parse(expiry.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Off_loopback_reads_need_a_token_the_read_token_only_reads_and_bad_tokens_get_429_until_retry_after()
    {
        using var config = new SupervisorConfigFile(new { });
        var port = SupervisorProcess.FreePort();
        // 0.0.0.0 counts as reachable from other hosts; the test itself only talks to 127.0.0.1.
        const int limit = 10;
        config.Write(Simulated(config, new { Url = $"http://0.0.0.0:{port}", AuthFailures = new { Limit = limit, WindowSeconds = 8 } }));
        await using var supervisor = await SupervisorProcess.StartAsync(new SupervisorStart(config.FilePath)
        {
            BaseUrl = new Uri($"http://127.0.0.1:{port}"),
            Environment = new Dictionary<string, string> { ["WGSUPERVISOR_ADMIN_READ_TOKEN"] = ReadToken },
            WithoutInheritedOverrides = true,
        });
        using var anonymous = new HttpClient { BaseAddress = supervisor.BaseUrl, Timeout = TimeSpan.FromSeconds(15) };
        using var reader = Client(supervisor.BaseUrl, new AuthenticationHeaderValue("Bearer", ReadToken));
        using var browser = Client(supervisor.BaseUrl,
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"dashboard:{ReadToken}"))));

        // No token: 401 everywhere but liveness and readiness; the dashboard asks for Basic (the browser's prompt), the API for Bearer.
        var api = await anonymous.GetAsync("/api/tunnels");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("Bearer", api.Headers.WwwAuthenticate.Single().Scheme);
        var page = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        Assert.Equal("Basic", page.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/readyz")).StatusCode);

        // The read token: reads (the API, Prometheus's bearer scrape, the dashboard with Basic), but no change (403).
        var tunnels = JsonNode.Parse(await reader.GetStringAsync("/api/tunnels"))!.AsArray();
        Assert.Equal(2, tunnels.Count);
        var metrics = await reader.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("wgsupervisor_", await metrics.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/tunnels")).StatusCode);
        var name = tunnels[0]!["name"]!.GetValue<string>();
        var forbidden = await reader.PostAsync($"/api/tunnels/{name}/pause", null);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await supervisor.Http.PostAsync($"/api/tunnels/{name}/pause", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await supervisor.Http.PostAsync($"/api/tunnels/{name}/resume", null)).StatusCode);

        // wgsup: a read without a token is refused; with the read token it works.
        var refusedCli = await Wgsup("status", "--url", supervisor.BaseUrl.ToString());
        Assert.True(refusedCli.ExitCode == 1, refusedCli.Output);
        var readCli = await Wgsup("status", "--json", "--url", supervisor.BaseUrl.ToString(), "--token", ReadToken);
        Assert.True(readCli.ExitCode == 0, readCli.Output);

        // 50 bad tokens in a row: 401 while the address has budget left, then 429 with Retry-After, before any token is looked at.
        var guesses = Enumerable.Range(0, 50).Select(i => $"guessed-token-{i:D2}-{Guid.NewGuid():N}").ToList();
        var answers = new List<HttpResponseMessage>();
        foreach (var guess in guesses)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tunnels");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", guess);
            answers.Add(await anonymous.SendAsync(request));
        }
        var statuses = answers.Select(a => (int)a.StatusCode).ToList();
        output.WriteLine($"answers to 50 bad tokens: {string.Join(' ', statuses)}");
        Assert.All(statuses.Take(limit), status => Assert.Equal(401, status));
        Assert.Equal(429, statuses[limit]);
        Assert.All(statuses, status => Assert.Contains(status, new[] { 401, 429 }));
        var goodButBlocked = await reader.GetAsync("/api/tunnels");
        Assert.Equal(HttpStatusCode.TooManyRequests, goodButBlocked.StatusCode);

        // Honour Retry-After (bounded): the good token works again once the window has passed.
        HttpStatusCode afterWaiting = goodButBlocked.StatusCode;
        var retryAfter = goodButBlocked.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
        for (var attempt = 0; attempt < 5 && afterWaiting != HttpStatusCode.OK; attempt++)
        {
            Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
            await Task.Delay(retryAfter);
            var again = await reader.GetAsync("/api/tunnels");
            afterWaiting = again.StatusCode;
            retryAfter = again.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
        }
        Assert.Equal(HttpStatusCode.OK, afterWaiting);

        // The failures are in the log with the client address, no token ever is.
        await supervisor.WaitUntilAsync("the failed authentications in the log", RunLimit,
            () => Task.FromResult(supervisor.Output.Contains("Admin authentication failed from 127.0.0.1", StringComparison.Ordinal)));
        var log = supervisor.Output;
        Assert.Contains("429", log);
        Assert.All(guesses.Append(ReadToken).Append(SupervisorProcess.AdminToken), token => Assert.DoesNotContain(token, log));
        foreach (var answer in answers) answer.Dispose();
    }

    private static HttpClient Client(Uri baseUrl, AuthenticationHeaderValue authorization)
    {
        var client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(15) };
        client.DefaultRequestHeaders.Authorization = authorization;
        return client;
    }

    /// <summary>A simulated world of two tunnels that do not break on their own, with the Admin section given.</summary>
    private static object Simulated(SupervisorConfigFile config, object admin) => new
    {
        NodeName = "secure",
        Admin = admin,
        PollIntervalSeconds = 0.5,
        Backend = "Simulated",
        Simulation = new { Tunnels = 2, BreakEverySeconds = 1000, RepairSeconds = 0.1, FixProbability = 1.0 },
        Journal = new { Provider = "Sqlite", SqlitePath = config.JournalPath },
        Defaults = new { StaleAfterSeconds = 2, VerifyTimeoutSeconds = 2, Repair = new[] { "restart-interface" } },
    };

    private static void RequireCurl()
    {
        if (File.Exists("/usr/bin/curl") || File.Exists("/usr/local/bin/curl")) return;
        if (Prerequisites.InCi) throw new InvalidOperationException("CI=true but a prerequisite is missing: curl");
        Skip.If(true, "skipped: curl is not installed");
    }

    private async Task<(int ExitCode, string Output)> Curl(params string[] arguments)
    {
        var (exitCode, text) = await OwnProcess.RunAsync("curl", ["--silent", "--show-error", "--max-time", "20", .. arguments], RunLimit);
        output.WriteLine($"$ curl {string.Join(' ', arguments)}\nexit {exitCode}\n{text}");
        return (exitCode, text);
    }

    /// <summary>The built wgsup.dll as an operator runs it, with none of the caller's wgsup variables.</summary>
    private async Task<(int ExitCode, string Output)> Wgsup(params string[] arguments)
    {
        var assembly = Path.Combine(Repository.Root, "src", "WgSupervisor.Cli", "bin", Repository.BuildConfiguration, "net10.0", "wgsup.dll");
        if (!File.Exists(assembly)) throw new InvalidOperationException($"the CLI is not built: {assembly}");
        var environment = new Dictionary<string, string>
        {
            ["WGSUPERVISOR_URL"] = "", ["WGSUPERVISOR_ADMIN_TOKEN"] = "", ["WGSUPERVISOR_CA_FILE"] = "", ["WGSUP_CA_FILE"] = "",
        };
        var (exitCode, text) = await OwnProcess.RunAsync("dotnet", [assembly, .. arguments], RunLimit, environment: environment);
        output.WriteLine($"$ wgsup {string.Join(' ', arguments)}\nexit {exitCode}\n{text}");
        return (exitCode, text);
    }

    /// <summary>
    /// The supervisor on an https:// admin URL: started like every other (SupervisorProcess.StartInfo), ready once /healthz
    /// answers over TLS to a client that trusts the test CA only. Disposing stops it by its PID.
    /// </summary>
    private sealed class HttpsSupervisor : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly OutputLog _log;

        private HttpsSupervisor(Process process, OutputLog log, HttpClient http)
        {
            _process = process;
            _log = log;
            Http = http;
        }

        public HttpClient Http { get; }

        public static async Task<HttpsSupervisor> StartAsync(string configPath, Uri url, X509Certificate2 authority)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.Add(authority);
            var http = new HttpClient(new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy } })
            {
                BaseAddress = url, Timeout = TimeSpan.FromSeconds(15),
            };
            var log = new OutputLog();
            var process = OwnProcess.Start(SupervisorProcess.StartInfo(new SupervisorStart(configPath) { BaseUrl = url, WithoutInheritedOverrides = true }),
                log.Add);
            var supervisor = new HttpsSupervisor(process, log, http);
            try
            {
                await Readiness.WaitUntilAsync("the host answers /healthz over https", TimeSpan.FromSeconds(60), async () =>
                {
                    if (process.HasExited) throw new InvalidOperationException($"the host exited with {process.ExitCode}:\n{log.Tail(60)}");
                    try
                    {
                        return (await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        return false;
                    }
                }, () => log.Tail(60));
                return supervisor;
            }
            catch
            {
                await supervisor.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await OwnProcess.StopAsync(_process);
            Http.Dispose();
            _process.Dispose();
            _log.Dispose();
        }
    }
}
