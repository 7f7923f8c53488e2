export default function Messaging() {
  return null;
}
