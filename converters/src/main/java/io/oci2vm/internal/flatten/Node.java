package io.oci2vm.internal.flatten;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.TreeMap;

/** A name in the tree. Directories have children, sorted by name for deterministic output. */
public final class Node {
  final String name;
  Node parent;
  Inode inode;

  /** The layer that last wrote this path; whiteouts only remove what lower layers wrote. */
  int layer;

  private TreeMap<String, Node> children;

  Node(String name, Node parent, Inode inode, int layer) {
    this.name = name;
    this.parent = parent;
    this.inode = inode;
    this.layer = layer;
    inode.links++;
  }

  public String name() {
    return name;
  }

  public Node parent() {
    return parent;
  }

  public Inode inode() {
    return inode;
  }

  /** Absolute path, "/" for the root. */
  public String path() {
    if (parent == null) {
      return "/";
    }
    Deque<String> parts = new ArrayDeque<>();
    for (Node n = this; n.parent != null; n = n.parent) {
      parts.push(n.name);
    }
    return "/" + String.join("/", parts);
  }

  /** Children sorted by name; empty for non-directories. */
  public Collection<Node> children() {
    return children == null ? Collections.emptyList() : children.values();
  }

  public Node child(String name) {
    return children == null ? null : children.get(name);
  }

  void putChild(Node child) {
    if (children == null) {
      children = new TreeMap<>();
    }
    Node old = children.put(child.name, child);
    if (old != null) {
      old.detach();
    }
  }

  void removeChild(String name) {
    if (children != null) {
      Node old = children.remove(name);
      if (old != null) {
        old.detach();
      }
    }
  }

  /** Drops this subtree's claims on its inodes. */
  private void detach() {
    inode.links--;
    if (children != null) {
      for (Node c : children.values()) {
        c.detach();
      }
    }
  }
}
