package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ImageSourceTest {
  @Test
  void parse_plainReference_isRegistry() {
    ImageSource s = ImageSource.parse("nginx:1.27");
    assertEquals(
        "docker.io/library/nginx:1.27",
        assertInstanceOf(ImageSource.Registry.class, s).reference().toString());
    assertInstanceOf(ImageSource.Registry.class, ImageSource.parse("docker://alpine"));
    assertInstanceOf(ImageSource.Registry.class, ImageSource.parse("localhost:5000/app:v1"));
  }

  @Test
  void parse_prefixes_pickTheSource() {
    assertEquals(
        "nginx:1.27",
        assertInstanceOf(
                ImageSource.DockerDaemon.class, ImageSource.parse("docker-daemon:nginx:1.27"))
            .reference());
    ImageSource.DockerArchive a =
        assertInstanceOf(
            ImageSource.DockerArchive.class, ImageSource.parse("docker-archive:/tmp/x.tar:app:v1"));
    assertEquals(Path.of("/tmp/x.tar"), a.path());
    assertEquals("app:v1", a.reference());
    ImageSource.OciLayout l =
        assertInstanceOf(ImageSource.OciLayout.class, ImageSource.parse("oci:/tmp/layout:v2"));
    assertEquals(Path.of("/tmp/layout"), l.dir());
    assertEquals("v2", l.tag());
    ImageSource.OciArchive o =
        assertInstanceOf(ImageSource.OciArchive.class, ImageSource.parse("oci-archive:img.tar"));
    assertNull(o.tag());
  }

  @Test
  void parse_unknownPrefix_isBadSource() {
    Oci2vmException e =
        assertThrows(Oci2vmException.class, () -> ImageSource.parse("dir:/tmp/x/y:z"));
    assertEquals(ErrorCode.BAD_SOURCE, e.code());
    assertEquals(
        ErrorCode.BAD_SOURCE,
        assertThrows(Oci2vmException.class, () -> ImageSource.parse("docker-daemon:")).code());
  }
}
