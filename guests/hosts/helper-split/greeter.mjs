// The greeting module's calls, with their error codes turned into exceptions.
export function composeGreeting(instance, salutationLength, nameLength) {
  const length = instance.exports.set_name(salutationLength, nameLength);
  if (length < 0) {
    throw new RangeError('salutation or name too long');
  }
  return { ptr: instance.exports.get_msg_ptr(), length };
}
