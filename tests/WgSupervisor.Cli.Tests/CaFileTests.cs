using WgSupervisor.Cli.Tests.Support;

namespace WgSupervisor.Cli.Tests;

/// <summary>
/// --ca-file: wgsup over https trusts exactly the private CA given (the option or WGSUPERVISOR_CA_FILE), still checks the
/// host name, says what to do when TLS fails, and sends its token with reads as with commands.
/// </summary>
public sealed class CaFileTests : IDisposable
{
    private const string Token = "read-or-admin-token-77aa";
    private readonly string _directory = Directory.CreateTempSubdirectory("wgsup-ca-tests-").FullName;
    private readonly TestAuthority _authority = new();

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private TlsJsonServer Serve(params string[] names) => new(_authority.Issue(names), Samples.List(Samples.Tunnel("berlin")));

    [Fact]
    public async Task With_the_private_ca_status_works_over_https_and_the_token_goes_with_the_read()
    {
        await using var server = Serve("127.0.0.1", "localhost");
        var caFile = WriteFile("ca.crt", _authority.Pem);

        var run = await Wgsup.RunAsync("status", "--json", "--url", $"https://127.0.0.1:{server.Port}", "--ca-file", caFile, "--token", Token);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("berlin", run.Out);
        var request = Assert.Single(server.Requests);
        Assert.StartsWith("GET /api/tunnels", request);
        Assert.Contains($"Authorization: Bearer {Token}\r\n", request);
        Assert.DoesNotContain(Token, run.All);
    }

    [Fact]
    public async Task The_ca_file_can_come_from_the_environment()
    {
        await using var server = Serve("localhost");
        var environment = new Dictionary<string, string> { [ClientSettings.CaFileVariable] = WriteFile("ca.crt", _authority.Pem) };

        var run = await Wgsup.RunAsync(environment, false, "status", "--json", "--url", $"https://localhost:{server.Port}");

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task Without_the_ca_the_certificate_is_not_trusted_and_the_error_points_to_ca_file()
    {
        await using var server = Serve("127.0.0.1");

        var run = await Wgsup.RunAsync("status", "--url", $"https://127.0.0.1:{server.Port}");

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("TLS failed", run.Error);
        Assert.Contains("--ca-file", run.Error);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Another_ca_is_not_trusted()
    {
        await using var server = Serve("127.0.0.1");
        using var stranger = new TestAuthority("someone else's CA");

        var run = await Wgsup.RunAsync("status", "--url", $"https://127.0.0.1:{server.Port}", "--ca-file", WriteFile("other.crt", stranger.Pem));

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task The_host_name_is_still_checked_with_a_trusted_ca()
    {
        await using var server = Serve("gw1.example.net");

        var run = await Wgsup.RunAsync("status", "--url", $"https://127.0.0.1:{server.Port}", "--ca-file", WriteFile("ca.crt", _authority.Pem));

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("TLS failed", run.Error);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("no-certificate-in-here\n")]
    [InlineData(null)]
    public async Task A_ca_file_without_a_certificate_or_missing_is_a_usage_error(string? content)
    {
        var path = content is null ? Path.Combine(_directory, "missing.crt") : WriteFile("empty.crt", content);

        var run = await Wgsup.RunAsync("status", "--url", "https://127.0.0.1:1", "--ca-file", path);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--ca-file", run.Error);
    }

    [Fact]
    public async Task Reads_send_the_token_when_one_is_given_and_nothing_when_none_is()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels", 200, Samples.List(Samples.Tunnel("berlin")));

        var withToken = await Wgsup.RunAsync("status", "--url", api.Url, "--token", Token);
        var without = await Wgsup.RunAsync("status", "--url", api.Url);

        Assert.Equal([0, 0], new[] { withToken.ExitCode, without.ExitCode });
        Assert.Equal([$"Bearer {Token}", null], api.Requests.Select(r => r.Header("Authorization")));
    }
}
