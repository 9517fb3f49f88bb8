using WgSupervisor.Host.Configuration;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

/// <summary>The Admin section on real token files in a temporary directory (removed after each test).</summary>
public sealed class AdminSectionTests : IDisposable
{
    private const string GoodToken = "0123456789abcdef0123";
    private readonly string _directory = Directory.CreateTempSubdirectory("wgsup-admin-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static AdminSettings Read(SettingsReader reader, string json, string? environmentToken = null) =>
        AdminSection.Read(reader, Json(json), environmentToken);

    private string TokenFile(string content)
    {
        var path = Path.Combine(_directory, "token");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Without_settings_it_listens_on_loopback_without_a_token()
    {
        var reader = new SettingsReader();

        var admin = Read(reader, "{}");

        Assert.Equal("http://127.0.0.1:5080/", admin.Url.ToString());
        Assert.False(admin.Token.IsSet);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void A_url_reachable_from_other_hosts_needs_a_token()
    {
        var reader = new SettingsReader();

        Read(reader, """{ "Url": "http://0.0.0.0:5080" }""");

        Assert.Equal("Admin:Url", Single(reader).Where);
        Assert.Contains("WGSUPERVISOR_ADMIN_TOKEN", Single(reader).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_token_file_is_read_and_trimmed()
    {
        var reader = new SettingsReader();
        var file = TokenFile(GoodToken + "\n");

        var admin = Read(reader, $$"""{ "Url": "http://0.0.0.0:5080", "TokenFile": "{{file}}" }""");

        Assert.Empty(reader.Problems);
        Assert.True(admin.Token.Matches(GoodToken));
    }

    [Fact]
    public void The_environment_token_wins_and_a_missing_token_file_is_then_not_read()
    {
        var reader = new SettingsReader();

        var admin = Read(reader, """{ "TokenFile": "/nonexistent/token" }""", environmentToken: GoodToken);

        Assert.Empty(reader.Problems);
        Assert.True(admin.Token.Matches(GoodToken));
    }

    [Fact]
    public void A_missing_token_file_is_a_problem()
    {
        var reader = new SettingsReader();

        Read(reader, """{ "TokenFile": "/nonexistent/token" }""");

        Assert.Equal(("Admin:TokenFile", "/nonexistent/token does not exist"), (Single(reader).Where, Single(reader).Problem));
    }

    [Fact]
    public void A_short_token_is_reported_where_it_came_from_and_is_not_used()
    {
        var fromEnvironment = new SettingsReader();
        var fromFile = new SettingsReader();

        var admin = Read(fromEnvironment, "{}", environmentToken: "short");
        Read(fromFile, $$"""{ "TokenFile": "{{TokenFile("with space in it 1234")}}" }""");

        Assert.Equal(AdminToken.EnvironmentVariable, Single(fromEnvironment).Where);
        Assert.False(admin.Token.IsSet);
        Assert.Equal("Admin:TokenFile", Single(fromFile).Where);
    }

    [Fact]
    public void A_url_with_a_path_is_refused()
    {
        var reader = new SettingsReader();

        Read(reader, """{ "Url": "http://127.0.0.1:5080/admin" }""");

        Assert.Equal("Admin:Url", Single(reader).Where);
    }
}
