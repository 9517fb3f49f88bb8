namespace WgSupervisor.Integration.Tests.Support;

/// <summary>
/// A clean clone of the committed HEAD of the repository these tests were built from, in a temporary directory:
/// what a new user has after `git clone`. Work that is not committed is not in it. Removed at the end.
/// </summary>
public sealed class ReadmeClone : IDisposable
{
    private readonly Lazy<Task<string>> _clone;
    private readonly DirectoryInfo _parent = Directory.CreateTempSubdirectory("wgs-readme-");

    public ReadmeClone() => _clone = new Lazy<Task<string>>(CloneAsync);

    /// <summary>The clone's root; cloned on first use (the README table test needs none).</summary>
    public Task<string> RootAsync() => _clone.Value;

    /// <summary>A directory outside the clone, as the place a user may be in when they give a relative path.</summary>
    public string Elsewhere => Directory.CreateDirectory(Path.Combine(_parent.FullName, "elsewhere")).FullName;

    private async Task<string> CloneAsync()
    {
        var root = Path.Combine(_parent.FullName, "WgSupervisor");
        var source = Repository.Root;
        var clone = await OwnProcess.RunAsync("git", ["clone", "-q", source, root], TimeSpan.FromMinutes(2));
        if (clone.ExitCode != 0) throw new InvalidOperationException($"git clone {source} failed:\n{clone.Output}");
        var sourceHead = await OwnProcess.RunAsync("git", ["-C", source, "rev-parse", "HEAD"], TimeSpan.FromSeconds(30));
        var cloneHead = await OwnProcess.RunAsync("git", ["-C", root, "rev-parse", "HEAD"], TimeSpan.FromSeconds(30));
        if (sourceHead.Output.Trim() != cloneHead.Output.Trim())
            throw new InvalidOperationException($"the clone is at {cloneHead.Output.Trim()}, the repository at {sourceHead.Output.Trim()}");
        return root;
    }

    public void Dispose()
    {
        try
        {
            _parent.Delete(recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"warning: could not remove {_parent.FullName}: {e.Message}");
        }
    }
}
