using System.Text;
using Grpc.Core;
using CsiDriver.Hosting;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Security;

/// <summary>
/// Limits the other suites do not already cover: files per volume, and manifests whose YAML aliases
/// expand exponentially. (Message, object, volume, response and manifest byte limits are tested with
/// their layers: HostileInputTests, GrpcWireTests, the provider suites, DirectorySourceTests.)
/// </summary>
public sealed class InputLimitTests
{
    [Fact]
    public async Task Publish_MoreFilesThanTheVolumeLimit_ResourceExhaustedNamingTheFlag_NothingMounted()
    {
        await using var driver = await DriverFixture.StartAsync(o => o.MaxVolumeFiles = 8);
        var objects = new StringBuilder();
        for (var i = 0; i < 9; i++)
        {
            driver.WriteStoreFile($"f{i}", string.Empty);
            objects.Append("- objectName: f").Append(i).Append('\n');
        }

        driver.WriteClass("app", "local", objects.ToString());

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.ResourceExhausted);
        error.Message.Should().Contain("default/app").And.Contain("9 files").And.Contain("--max-volume-files");
        Directory.Exists(driver.TargetPath()).Should().BeFalse();
        TestDirectory.MountsUnder(driver.Directory.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Publish_AtTheFileLimit_Succeeds()
    {
        await using var driver = await DriverFixture.StartAsync(o => o.MaxVolumeFiles = 2);
        driver.WriteStoreFile("a", "1");
        driver.WriteStoreFile("b", "2");
        driver.WriteClass("app", "local", "- objectName: a\n- objectName: b");

        await driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath()));

        Volume.Files(driver.TargetPath()).Should().Equal("a", "b");
    }

    [Fact]
    public void MaxVolumeFilesFlag_DefaultAndParse()
    {
        new DriverOptions().MaxVolumeFiles.Should().Be(4096);
        DriverFlags.Parse(["--max-volume-files=10"]).MaxVolumeFiles.Should().Be(10);
        var act = () => DriverFlags.Parse(["--max-volume-files=-1"]);
        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task ClassManifest_YamlAliasBomb_InvalidArgumentInsteadOfExhaustingMemory()
    {
        await using var driver = await DriverFixture.StartAsync();
        var yaml = new StringBuilder("apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata: {name: app, namespace: default}\nspec:\n  provider: local\n  parameters: {objects: '- objectName: a'}\n  lol0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i <= 9; i++)
        {
            yaml.Append("  lol").Append(i).Append(": &l").Append(i).Append(" [")
                .Append(string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))).Append("]\n");
        }

        File.WriteAllText(Path.Combine(driver.SpcDir, "bomb.yaml"), yaml.ToString());
        driver.WriteStoreFile("a", "1");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.InvalidArgument);
        error.Message.Should().Contain("bomb.yaml").And.Contain("nodes");
    }

    [Fact]
    public async Task ClassManifest_OverOneMiB_ResourceExhaustedNamingTheFile()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteClass("app", "local", "- objectName: a");
        File.WriteAllText(Path.Combine(driver.SpcDir, "huge.yaml"), "# " + new string('x', (1024 * 1024) + 1) + "\n");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.ResourceExhausted);
        error.Message.Should().Contain("huge.yaml").And.Contain("limit");
    }
}
